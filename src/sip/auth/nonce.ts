import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEFAULT_NONCE_LIFETIME_MS = 300_000;

const STAMP_BYTES = 8;
const MAC_BYTES = 16;
/** base64url of 24 bytes, no padding. */
const NONCE_LENGTH = 32;
const NONCE_CHARS = /^[A-Za-z0-9_-]{32}$/;

export type NonceCheck =
  /** `expiresAt`: when the nonce stops being fresh, ms since the epoch. */
  | { state: 'fresh'; expiresAt: number }
  /** Ours, but older than the lifetime: a right response earns stale=true (RFC 7616 §3.3). */
  | { state: 'stale' }
  /** Not minted by this secret for this realm: forged, tampered with or truncated. */
  | { state: 'invalid' };

export interface NonceIssuerOptions {
  /** HMAC key; share it across a cluster so any node verifies any node's nonces. Random if absent. */
  secret?: Buffer;
  lifetimeMs?: number;
  now?: () => number;
}

/**
 * Stateless nonces (RFC 7616 §5.4 suggests time-stamp + keyed hash): base64url(stamp(8) +
 * HMAC-SHA256(secret, stamp | realm)[0..16]). Verifying needs no storage, so a registrar can
 * hand out any number without growing memory, and a forged or cross-realm nonce fails the MAC.
 * The stamp is microseconds since the epoch, strictly increasing per issuer, so two challenges
 * from one process never share a nonce (nonce-counts are kept per nonce).
 */
export class NonceIssuer {
  readonly lifetimeMs: number;
  private readonly secret: Buffer;
  private readonly now: () => number;
  private lastStamp = 0;

  constructor(options: NonceIssuerOptions = {}) {
    if (options.secret !== undefined && options.secret.length < 16) {
      throw new RangeError('nonce secret must be at least 16 bytes');
    }
    this.secret = options.secret ?? randomBytes(32);
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  issue(realm: string): string {
    const stamp = Math.max(Math.floor(this.now() * 1000), this.lastStamp + 1);
    this.lastStamp = stamp;
    const out = Buffer.allocUnsafe(STAMP_BYTES + MAC_BYTES);
    writeStamp(out, stamp);
    this.mac(out.subarray(0, STAMP_BYTES), realm).copy(out, STAMP_BYTES, 0, MAC_BYTES);
    return out.toString('base64url');
  }

  check(nonce: string, realm: string): NonceCheck {
    if (nonce.length !== NONCE_LENGTH || !NONCE_CHARS.test(nonce)) return { state: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== STAMP_BYTES + MAC_BYTES) return { state: 'invalid' };
    const expected = this.mac(raw.subarray(0, STAMP_BYTES), realm).subarray(0, MAC_BYTES);
    if (!timingSafeEqual(expected, raw.subarray(STAMP_BYTES))) return { state: 'invalid' };
    const issuedAt = readStamp(raw) / 1000;
    const now = this.now();
    // A genuine stamp from the future means a skewed clock in the cluster or a leaked secret.
    if (issuedAt > now + this.lifetimeMs) return { state: 'invalid' };
    const expiresAt = issuedAt + this.lifetimeMs;
    return now > expiresAt ? { state: 'stale' } : { state: 'fresh', expiresAt };
  }

  private mac(stamp: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.secret).update(stamp).update(realm, 'utf8').digest();
  }
}

// Exact for stamps below 2^53 µs (year 2255), without BigInt.
function writeStamp(buf: Buffer, stamp: number): void {
  buf.writeUInt32BE(Math.floor(stamp / 2 ** 32), 0);
  buf.writeUInt32BE(stamp % 2 ** 32, 4);
}

function readStamp(buf: Buffer): number {
  return buf.readUInt32BE(0) * 2 ** 32 + buf.readUInt32BE(4);
}
