import { describe, expect, it } from 'vitest';
import { FlowTokens } from '../../../../src/edge/outbound/index.js';

const ws = { protocol: 'wss' as const, address: '203.0.113.7', port: 50123, connectionId: 'wss-17' };

describe('flow tokens (RFC 5626 §5.2)', () => {
  it('gives back the flow it was made from, connection included; fits a SIP user part', () => {
    const tokens = new FlowTokens();
    const token = tokens.encode(ws);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(tokens.decode(token)).toEqual(ws);
    const udp = { protocol: 'udp' as const, address: '2001:db8::7', port: 5060 };
    expect(tokens.decode(tokens.encode(udp))).toEqual(udp);
  });

  it('refuses a token with any byte changed, one made with another key, and garbage', () => {
    const tokens = new FlowTokens();
    const token = tokens.encode(ws);
    const raw = Buffer.from(token, 'base64url');
    for (const at of [0, 5, 12, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[at]! ^= 0x01;
      expect(tokens.decode(tampered.toString('base64url')), `byte ${at}`).toBeUndefined();
    }
    // The flow swapped for another, keeping the MAC: the MAC no longer matches.
    const other = Buffer.from('wss~203.0.113.8~50123~wss-17');
    expect(tokens.decode(Buffer.concat([raw.subarray(0, 10), other]).toString('base64url'))).toBeUndefined();
    expect(new FlowTokens().decode(token)).toBeUndefined();
    for (const garbage of ['', 'abc', 'not a token!', 'x'.repeat(300)])
      expect(tokens.decode(garbage)).toBeUndefined();
  });

  it('with the same key, another instance (a restarted node) reads the token', () => {
    const key = Buffer.alloc(32, 7);
    expect(new FlowTokens(key).decode(new FlowTokens(key).encode(ws))).toEqual(ws);
  });
});
