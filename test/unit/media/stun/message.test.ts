import { describe, expect, it } from 'vitest';
import {
  buildStun,
  parseStun,
  readXorMappedAddress,
  StunAttribute,
  StunClass,
  StunMethod,
  verifyFingerprint,
  verifyIntegrity,
} from '../../../../src/media/stun/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.1: sample request, short-term credentials, password "VOkJxbRl1RmTxUk/WvJxBt".
const REQUEST = hex(`
  000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573
  7420636c69656e74002400046e0001ff80290008932ff9b151263b3600060009
  6576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249
  c1b571a280280004e57a3bcf`);
const PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';

// RFC 5769 §2.2: sample IPv4 response (192.0.2.1:32853).
const RESPONSE_V4 = hex(`
  0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563
  746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f9
  2af9ba53f06be7d780280004c07d4c96`);

// RFC 5769 §2.3: sample IPv6 response (2001:db8:1234:5678:11:2233:4455:6677 port 32853).
const RESPONSE_V6 = hex(`
  010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563
  746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014
  a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c`);

describe('STUN messages (RFC 5389) against the RFC 5769 test vectors', () => {
  it('parses the sample request: Binding request, USERNAME, PRIORITY, ICE-CONTROLLED', () => {
    const m = parseStun(REQUEST)!;
    expect(m.method).toBe(StunMethod.binding);
    expect(m.cls).toBe(StunClass.request);
    expect(m.attributes.get(StunAttribute.username)!.toString()).toBe('evtj:h6vY');
    expect(m.attributes.get(StunAttribute.priority)!.readUInt32BE(0)).toBe(0x6e0001ff);
    expect(m.attributes.has(StunAttribute.iceControlled)).toBe(true);
  });

  it('verifies the sample request’s MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const m = parseStun(REQUEST)!;
    expect(verifyIntegrity(m, PASSWORD)).toBe(true);
    expect(verifyFingerprint(m)).toBe(true);
    expect(verifyIntegrity(m, 'wrong-password')).toBe(false);
  });

  it('verifies the IPv4 and IPv6 sample responses and reads their XOR-MAPPED-ADDRESS', () => {
    const v4 = parseStun(RESPONSE_V4)!;
    expect(v4.cls).toBe(StunClass.success);
    expect(verifyIntegrity(v4, PASSWORD)).toBe(true);
    expect(verifyFingerprint(v4)).toBe(true);
    expect(readXorMappedAddress(v4)).toEqual({ address: '192.0.2.1', port: 32853 });
    const v6 = parseStun(RESPONSE_V6)!;
    expect(verifyIntegrity(v6, PASSWORD)).toBe(true);
    expect(verifyFingerprint(v6)).toBe(true);
    expect(readXorMappedAddress(v6)).toEqual({
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });

  it('builds a request whose integrity and fingerprint verify, and fail with another password', () => {
    const m = parseStun(REQUEST)!;
    const built = buildStun({
      method: StunMethod.binding,
      cls: StunClass.request,
      transactionId: m.transactionId,
      attributes: [
        [StunAttribute.software, m.attributes.get(StunAttribute.software)!],
        [StunAttribute.priority, m.attributes.get(StunAttribute.priority)!],
        [StunAttribute.iceControlled, m.attributes.get(StunAttribute.iceControlled)!],
        [StunAttribute.username, m.attributes.get(StunAttribute.username)!],
      ],
      integrity: PASSWORD,
      fingerprint: true,
    });
    const parsed = parseStun(built)!;
    expect(parsed.attributes.get(StunAttribute.username)!.toString()).toBe('evtj:h6vY');
    expect(verifyIntegrity(parsed, PASSWORD)).toBe(true);
    expect(verifyFingerprint(parsed)).toBe(true);
    expect(verifyIntegrity(parsed, 'another')).toBe(false);
  });

  it('refuses truncated, misaligned and non-STUN datagrams without throwing', () => {
    expect(parseStun(REQUEST.subarray(0, 40))).toBeUndefined();
    expect(parseStun(Buffer.concat([REQUEST, Buffer.alloc(4)]))).toBeUndefined();
    expect(parseStun(Buffer.from([0x80, 0, 0, 1]))).toBeUndefined();
    const flipped = Buffer.from(REQUEST);
    flipped[30] = flipped[30]! ^ 1;
    const m = parseStun(flipped)!;
    expect(verifyFingerprint(m)).toBe(false);
    expect(verifyIntegrity(m, PASSWORD)).toBe(false);
  });
});
