import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NonceIssuer } from '../../../src/sip/auth/index.js';

const T0 = 1_700_000_000_000;

function clock() {
  const c = { t: T0, now: () => c.t };
  return c;
}

describe('stateless nonces (RFC 7616 §5.4)', () => {
  it('issues 32-character base64url nonces that check fresh until the lifetime passes', () => {
    const c = clock();
    const issuer = new NonceIssuer({ now: c.now, lifetimeMs: 300_000 });
    const nonce = issuer.issue('example.com');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(issuer.check(nonce, 'example.com')).toEqual({ state: 'fresh', expiresAt: T0 + 300_000 });
    c.t += 300_000;
    expect(issuer.check(nonce, 'example.com').state).toBe('fresh');
    c.t += 1;
    expect(issuer.check(nonce, 'example.com')).toEqual({ state: 'stale' });
  });

  it('defaults to a 300 s lifetime', () => {
    const c = clock();
    const issuer = new NonceIssuer({ now: c.now });
    const nonce = issuer.issue('r');
    c.t += 299_999;
    expect(issuer.check(nonce, 'r').state).toBe('fresh');
    c.t += 2;
    expect(issuer.check(nonce, 'r').state).toBe('stale');
  });

  it('never issues the same nonce twice, even within one millisecond', () => {
    const issuer = new NonceIssuer({ now: () => T0 });
    const seen = new Set(Array.from({ length: 5000 }, () => issuer.issue('r')));
    expect(seen.size).toBe(5000);
  });

  it('refuses tampered, truncated, cross-realm and foreign nonces', () => {
    const c = clock();
    const issuer = new NonceIssuer({ now: c.now });
    const nonce = issuer.issue('r');
    const raw = Buffer.from(nonce, 'base64url');
    // Move the time stamp forward to extend the nonce's life: the MAC no longer matches.
    raw.writeUInt32BE(raw.readUInt32BE(4) + 1_000_000, 4);
    expect(issuer.check(raw.toString('base64url'), 'r').state).toBe('invalid');
    const flipped = nonce.slice(0, 31) + (nonce[31] === 'A' ? 'B' : 'A');
    expect(issuer.check(flipped, 'r').state).toBe('invalid');
    expect(issuer.check(nonce.slice(0, 31), 'r').state).toBe('invalid');
    expect(issuer.check(`${nonce.slice(0, 31)}=`, 'r').state).toBe('invalid');
    expect(issuer.check('', 'r').state).toBe('invalid');
    expect(issuer.check('x'.repeat(10_000), 'r').state).toBe('invalid');
    expect(issuer.check(nonce, 'other-realm').state).toBe('invalid');
    expect(new NonceIssuer({ now: c.now }).check(nonce, 'r').state).toBe('invalid');
  });

  it('verifies across instances that share a secret (a cluster)', () => {
    const secret = randomBytes(32);
    const c = clock();
    const a = new NonceIssuer({ secret, now: c.now });
    const b = new NonceIssuer({ secret, now: c.now });
    expect(b.check(a.issue('r'), 'r').state).toBe('fresh');
    expect(() => new NonceIssuer({ secret: Buffer.alloc(8) })).toThrow(RangeError);
  });

  it('refuses a genuine nonce stamped further in the future than a lifetime', () => {
    const c = clock();
    const secret = randomBytes(32);
    const future = new NonceIssuer({ secret, now: () => c.t + 400_000, lifetimeMs: 300_000 });
    const present = new NonceIssuer({ secret, now: c.now, lifetimeMs: 300_000 });
    expect(present.check(future.issue('r'), 'r').state).toBe('invalid');
  });
});
