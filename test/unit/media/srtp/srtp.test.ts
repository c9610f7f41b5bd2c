import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesCmCipher } from '../../../../src/media/srtp/aes-cm-cipher.js';
import { HmacSha1 } from '../../../../src/media/srtp/hmac-sha1.js';
import {
  aesCm,
  aesCmKeystream,
  deriveKey,
  IndexEstimator,
  LABEL,
  packetIv,
  ReplayWindow,
  SrtpSession,
} from '../../../../src/media/srtp/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('AES-CM (RFC 3711 Appendix B.2)', () => {
  it('produces the test keystream', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
    const iv = packetIv(salt, 0, 0);
    expect(iv.toString('hex').toUpperCase()).toBe('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
    const stream = aesCmKeystream(key, iv, 0xff02 * 16);
    expect(stream.subarray(0, 48).toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
    );
    expect(
      stream
        .subarray(0xfeff * 16)
        .toString('hex')
        .toUpperCase(),
    ).toBe(
      'EC8CDF7398607CB0F2D21675EA9EA1E4362B7C3C6773516318A077D7FC5073AE6A2CC3787889374FBEB4C81B17BA6C44',
    );
  });

  it('gives the same keystream from one ECB cipher per key as a CTR cipher per packet', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const cipher = new AesCmCipher(key);
    for (const length of [0, 1, 15, 16, 17, 160, 1400, 5000]) {
      const iv = packetIv(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), 0xdeadbeef, length * 7919);
      const data = randomBytes(length);
      const out = Buffer.alloc(length + 3);
      cipher.apply(iv, data, 0, length, out, 3);
      expect(out.subarray(3)).toEqual(aesCm(key, iv, data));
    }
  });

  it('places SSRC and index in the IV (§4.1.1)', () => {
    const iv = packetIv(Buffer.alloc(14), 0x11223344, 0x0000aabbccddee);
    expect(iv.toString('hex')).toBe('000000001122334400aabbccddee0000');
  });
});

describe('key derivation (RFC 3711 Appendix B.3)', () => {
  const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
  it('derives the cipher key, salt and auth key', () => {
    expect(deriveKey(key, salt, LABEL.rtpEncryption, 16).toString('hex').toUpperCase()).toBe(
      'C61E7A93744F39EE10734AFE3FF7A087',
    );
    expect(deriveKey(key, salt, LABEL.rtpSalt, 14).toString('hex').toUpperCase()).toBe(
      '30CBBC08863D8C85D49DB34A9AE1',
    );
    expect(deriveKey(key, salt, LABEL.rtpAuthentication, 20).toString('hex').toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4',
    );
  });
  it('refuses wrong key sizes', () => {
    expect(() => deriveKey(Buffer.alloc(15), salt, 0, 16)).toThrow(/16 bytes/);
  });
});

function rtp(seq: number, ssrc = 0xdecafbad, payload = Buffer.from('hello, plain audio payload')): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(seq * 160, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

function rtcpSr(ssrc = 0xdecafbad): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(6, 2);
  sr.writeUInt32BE(ssrc, 4);
  sr.fill(0x5a, 8);
  return sr;
}

const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');

describe.each(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const)('SrtpSession %s', (suite) => {
  const tagLength = suite.endsWith('80') ? 10 : 4;

  it('round-trips RTP, encrypting the payload and appending the tag', () => {
    const sender = new SrtpSession(suite, masterKey, masterSalt);
    const receiver = new SrtpSession(suite, masterKey, masterSalt);
    for (let seq = 65530; seq < 65540; seq++) {
      const plain = rtp(seq & 0xffff);
      const protectedPacket = sender.protectRtp(plain)!;
      expect(protectedPacket.length).toBe(plain.length + tagLength);
      expect(protectedPacket.subarray(0, 12)).toEqual(plain.subarray(0, 12));
      expect(protectedPacket.subarray(12, plain.length)).not.toEqual(plain.subarray(12));
      expect(receiver.unprotectRtp(protectedPacket)).toEqual(plain);
    }
    expect(receiver.counters).toEqual({ authFailures: 0, replays: 0, malformed: 0 });
  });

  it('drops and counts a tampered packet and a replay, without throwing', () => {
    const sender = new SrtpSession(suite, masterKey, masterSalt);
    const receiver = new SrtpSession(suite, masterKey, masterSalt);
    const good = sender.protectRtp(rtp(1))!;
    const tampered = Buffer.from(good);
    tampered[15] = tampered[15]! ^ 1;
    expect(receiver.unprotectRtp(tampered)).toBeUndefined();
    const badTag = Buffer.from(good);
    badTag[badTag.length - 1] = badTag[badTag.length - 1]! ^ 0xff;
    expect(receiver.unprotectRtp(badTag)).toBeUndefined();
    expect(receiver.counters.authFailures).toBe(2);
    expect(receiver.unprotectRtp(good)).toBeDefined();
    expect(receiver.unprotectRtp(good)).toBeUndefined();
    expect(receiver.counters.replays).toBe(1);
    expect(receiver.unprotectRtp(Buffer.alloc(5))).toBeUndefined();
    expect(
      receiver.unprotectRtp(Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])),
    ).toBeUndefined();
    expect(receiver.counters.malformed).toBe(2);
  });

  it('refuses packets under another key', () => {
    const other = new SrtpSession(suite, Buffer.alloc(16, 7), masterSalt);
    const receiver = new SrtpSession(suite, masterKey, masterSalt);
    expect(receiver.unprotectRtp(other.protectRtp(rtp(9))!)).toBeUndefined();
    expect(receiver.counters.authFailures).toBe(1);
  });

  it('round-trips SRTCP with the E bit, an 80-bit tag and its own index, and drops tampering', () => {
    const sender = new SrtpSession(suite, masterKey, masterSalt);
    const receiver = new SrtpSession(suite, masterKey, masterSalt);
    const plain = rtcpSr();
    const first = sender.protectRtcp(plain)!;
    const second = sender.protectRtcp(plain)!;
    expect(first.length).toBe(plain.length + 4 + 10);
    expect(first.readUInt32BE(plain.length)).toBe(0x80000000);
    expect(second.readUInt32BE(plain.length)).toBe(0x80000001);
    expect(first.subarray(8, plain.length)).not.toEqual(plain.subarray(8));
    expect(receiver.unprotectRtcp(first)).toEqual(plain);
    expect(receiver.unprotectRtcp(first)).toBeUndefined();
    const tampered = Buffer.from(second);
    tampered[10] = tampered[10]! ^ 0x40;
    expect(receiver.unprotectRtcp(tampered)).toBeUndefined();
    expect(receiver.unprotectRtcp(second)).toEqual(plain);
    expect(receiver.counters).toEqual({ authFailures: 1, replays: 1, malformed: 0 });
  });
});

describe('index estimation (RFC 3711 Appendix A)', () => {
  it('follows wrap-around and reordering across it', () => {
    const e = new IndexEstimator();
    e.update(e.estimate(65534));
    expect(e.estimate(65535)).toBe(65535);
    e.update(e.estimate(1));
    expect(e.estimate(1)).toBe(65537);
    expect(e.estimate(65535)).toBe(65535);
    expect(e.estimate(2)).toBe(65538);
  });
});

describe('HMAC-SHA1 with precomputed pads (RFC 2104)', () => {
  it('matches createHmac, with and without the ROC trailer, over several sizes', () => {
    const key = randomBytes(20);
    const mac = new HmacSha1(key);
    for (const length of [0, 12, 172, 3000]) {
      const data = randomBytes(length + 5);
      const tag = Buffer.alloc(12);
      mac.tag(data, 5, length + 5, 0x01020304, 10, tag, 2);
      const roc = Buffer.from([1, 2, 3, 4]);
      const want = createHmac('sha1', key).update(data.subarray(5)).update(roc).digest();
      expect(tag.subarray(2)).toEqual(want.subarray(0, 10));
      const whole = Buffer.alloc(20);
      mac.tag(data, 0, length, undefined, 20, whole, 0);
      expect(whole).toEqual(createHmac('sha1', key).update(data.subarray(0, length)).digest());
    }
  });
});

describe('replay window (RFC 3711 §3.3.2)', () => {
  it('keeps the whole 64-index window across its two words', () => {
    const w = new ReplayWindow();
    w.accept(1000);
    for (const seen of [999, 990, 968, 967, 950, 937]) w.accept(seen);
    for (const seen of [1000, 999, 990, 968, 967, 950, 937]) expect(w.check(seen)).toBe(false);
    for (const fresh of [998, 969, 966, 951, 938]) expect(w.check(fresh)).toBe(true);
    expect(w.check(936)).toBe(false); // 64 behind: outside the window
    w.accept(1040); // shift by 40: 1000 moves to bit 40, 999 to bit 41
    expect(w.check(1000)).toBe(false);
    expect(w.check(999)).toBe(false);
    expect(w.check(998)).toBe(true);
    expect(w.check(990)).toBe(false);
    expect(w.check(976)).toBe(false); // 64 behind 1040
    w.accept(1072); // shift by 32 exactly
    expect(w.check(1040)).toBe(false);
    expect(w.check(1008)).toBe(false); // 64 behind 1072: out of the window now
    expect(w.check(1009)).toBe(true);
    expect(w.check(1041)).toBe(true);
  });

  it('accepts new indices in the window and refuses seen or too old ones', () => {
    const w = new ReplayWindow();
    w.accept(100);
    expect(w.check(100)).toBe(false);
    expect(w.check(99)).toBe(true);
    w.accept(99);
    expect(w.check(99)).toBe(false);
    w.accept(200);
    expect(w.check(136)).toBe(false);
    expect(w.check(137)).toBe(true);
    expect(w.check(201)).toBe(true);
  });
});
