import { parse } from 'sdp-transform';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltinMediaRelay, MediaRelayError } from '../../src/media/relay/index.js';
import { newCrypto, parseCrypto, type SdesCrypto, SrtpSession } from '../../src/media/srtp/index.js';
import { until } from '../support/until.js';
import { inlineRelay, voice as pcmu, phones, sleep } from './relay-loopback.js';

// SDES-SRTP (RFC 4568 / RFC 3711) terminated in the built-in relay and bridged to plain RTP, over
// loopback with the engine on the test's thread (worker threads run the same Endpoint code).

const inline = (c: SdesCrypto) => Buffer.concat([c.key, c.salt]).toString('base64');

function sdp(port: number, profile: string, crypto: string[] = []): string {
  return (
    'v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    `m=audio ${port} ${profile} 0\r\na=rtpmap:0 PCMU/8000\r\n${crypto.map((c) => `a=crypto:${c}\r\n`).join('')}a=sendrecv\r\n`
  );
}

/** A PCMU packet whose payload changes with `seq` (so a replayed or stale payload shows). */
const voice = (seq: number, ssrc: number) => pcmu(seq, ssrc, seq & 0xff);

function senderReport(ssrc: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  b.fill(0x33, 8);
  return b;
}

const media = (text: string) => parse(text).media[0]!;

describe('built-in relay: SDES-SRTP on one side, plain RTP on the other', () => {
  let relay: BuiltinMediaRelay;
  const { phone, closeAll: closePhones } = phones();
  let calls = 0;

  beforeAll(async () => {
    relay = await inlineRelay(20);
  });
  afterAll(async () => {
    await relay?.close();
  });
  afterEach(() => {
    closePhones();
  });

  it.each(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const)(
    'SRTP offerer (%s) ↔ plain answerer: relay answers with its own key, decrypts and encrypts',
    async (suite) => {
      const callId = `srtp-${++calls}`;
      const a = await phone();
      const b = await phone();
      const aKey = newCrypto(3, suite);
      const offer = await relay.offer({
        callId,
        fromTag: 'a',
        sdp: sdp(a.port, 'RTP/SAVP', [`3 ${suite} inline:${inline(aKey)}`]),
        transport: 'RTP/AVP',
      });
      // b gets plain RTP/AVP without keys.
      expect(media(offer.sdp).protocol).toBe('RTP/AVP');
      expect(offer.sdp).not.toContain('a=crypto');
      const answer = await relay.answer({ callId, fromTag: 'a', toTag: 'b', sdp: sdp(b.port, 'RTP/AVP') });
      const answered = media(answer.sdp);
      expect(answered.protocol).toBe('RTP/SAVP');
      expect(answered.crypto).toHaveLength(1);
      const relayKey = parseCrypto({
        ...answered.crypto![0]!,
        id: Number(answered.crypto![0]!.id),
      }) as SdesCrypto;
      expect(relayKey).toMatchObject({ tag: 3, suite });
      expect(relayKey.key.equals(aKey.key)).toBe(false);

      const aSends = new SrtpSession(suite, aKey.key, aKey.salt);
      const aHears = new SrtpSession(suite, relayKey.key, relayKey.salt);
      const toA = answered.port;
      const toB = media(offer.sdp).port;
      for (let seq = 1; seq <= 20; seq++) {
        a.rtp.send(aSends.protectRtp(voice(seq, 0xa))!, toA, '127.0.0.1');
        b.rtp.send(voice(seq, 0xb), toB, '127.0.0.1');
        await sleep(2);
      }
      await until(() => b.received.length >= 15 && a.received.length >= 10, 3000, 'relayed media');
      // b hears a's plain RTP, exactly as a built it.
      for (const p of b.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xa));
      // a hears SRTP: not b's plain packet, but it decrypts to it under the relay's key.
      for (const p of a.received) {
        const plain = voice(p.readUInt16BE(2), 0xb);
        expect(p.length).toBe(plain.length + (suite.endsWith('80') ? 10 : 4));
        expect(p.subarray(12, plain.length).equals(plain.subarray(12))).toBe(false);
        expect(aHears.unprotectRtp(p)).toEqual(plain);
      }
      // SRTCP from a → plain RTCP to b; b's RTCP → SRTCP to a (E bit, 80-bit tag).
      a.rtcp.send(aSends.protectRtcp(senderReport(0xa))!, toA + 1, '127.0.0.1');
      b.rtcp.send(senderReport(0xb), toB + 1, '127.0.0.1');
      await until(() => b.rtcpReceived.length >= 1 && a.rtcpReceived.length >= 1, 3000, 'relayed RTCP');
      expect(b.rtcpReceived[0]).toEqual(senderReport(0xa));
      expect(a.rtcpReceived[0]!.readUInt32BE(28) >>> 31).toBe(1);
      expect(aHears.unprotectRtcp(a.rtcpReceived[0]!)).toEqual(senderReport(0xb));

      // Bad auth tags, a replay and a packet under another key: dropped, counted, nothing relayed.
      const before = b.received.length;
      const forged = aSends.protectRtp(voice(21, 0xa))!;
      forged[forged.length - 1] = forged[forged.length - 1]! ^ 0xff;
      a.rtp.send(forged, toA, '127.0.0.1');
      a.rtp.send(aSends.protectRtp(voice(20, 0xa))!, toA, '127.0.0.1');
      a.rtp.send(
        new SrtpSession(suite, Buffer.alloc(16, 1), aKey.salt).protectRtp(voice(22, 0xa))!,
        toA,
        '127.0.0.1',
      );
      a.rtp.send(aSends.protectRtp(voice(23, 0xa))!, toA, '127.0.0.1');
      await until(() => b.received.some((p) => p.readUInt16BE(2) === 23), 3000, 'packet 23');
      expect(b.received.length).toBe(before + 1);
      const counters = await relay.counters();
      expect(counters.dropped.srtp).toBeGreaterThanOrEqual(3);
      const stats = await relay.query(callId);
      const fromA = stats!.streams.find((s) => s.fromTag === 'a' && s.component === 'rtp')!;
      expect(fromA).toMatchObject({
        packets: 21,
        dropped: 3,
        srtp: { authFailures: 2, replays: 1, malformed: 0 },
      });
      expect(stats!.streams.find((s) => s.fromTag === 'b' && s.component === 'rtp')!.srtp).toBeUndefined();
      await relay.delete({ callId });
    },
  );

  it('plain offerer asking RTP/SAVP for the other side: relay offers both suites, keys from the answer', async () => {
    const callId = `srtp-${++calls}`;
    const a = await phone();
    const b = await phone();
    const offer = await relay.offer({
      callId,
      fromTag: 'a',
      sdp: sdp(a.port, 'RTP/AVP'),
      transport: 'RTP/SAVP',
    });
    const offered = media(offer.sdp);
    expect(offered.protocol).toBe('RTP/SAVP');
    expect(offered.crypto!.map((c) => `${c.id} ${c.suite}`)).toEqual([
      '1 AES_CM_128_HMAC_SHA1_80',
      '2 AES_CM_128_HMAC_SHA1_32',
    ]);
    const relayKey = parseCrypto({ ...offered.crypto![1]!, id: 2 }) as SdesCrypto;
    const bKey = newCrypto(2, 'AES_CM_128_HMAC_SHA1_32');
    const answer = await relay.answer({
      callId,
      fromTag: 'a',
      toTag: 'b',
      sdp: sdp(b.port, 'RTP/SAVP', [`2 AES_CM_128_HMAC_SHA1_32 inline:${inline(bKey)}`]),
    });
    expect(media(answer.sdp).protocol).toBe('RTP/AVP');
    expect(answer.sdp).not.toContain('a=crypto');
    const bSends = new SrtpSession('AES_CM_128_HMAC_SHA1_32', bKey.key, bKey.salt);
    const bHears = new SrtpSession('AES_CM_128_HMAC_SHA1_32', relayKey.key, relayKey.salt);
    for (let seq = 1; seq <= 10; seq++) {
      b.rtp.send(bSends.protectRtp(voice(seq, 0xb))!, offered.port, '127.0.0.1');
      a.rtp.send(voice(seq, 0xa), media(answer.sdp).port, '127.0.0.1');
      await sleep(2);
    }
    await until(() => a.received.length >= 5 && b.received.length >= 5, 3000, 'relayed media');
    for (const p of a.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xb));
    for (const p of b.received) expect(bHears.unprotectRtp(p)).toEqual(voice(p.readUInt16BE(2), 0xa));
    await relay.delete({ callId });
  });

  it('drops what an RTP/SAVP side sends before its answer agreed keys; a re-offer keeps the agreed key', async () => {
    const callId = `srtp-${++calls}`;
    const a = await phone();
    const b = await phone();
    const offer = await relay.offer({
      callId,
      fromTag: 'a',
      sdp: sdp(a.port, 'RTP/AVP'),
      transport: 'RTP/SAVP',
    });
    const toB = media(offer.sdp).port;
    const dropped = (await relay.counters()).dropped.srtp;
    b.rtp.send(voice(1, 0xb), toB, '127.0.0.1');
    await until(
      async () => (await relay.counters()).dropped.srtp > dropped,
      3000,
      'the SRTP drop counted',
      10,
    );
    expect((await relay.counters()).dropped.srtp).toBe(dropped + 1);
    expect(a.received).toHaveLength(0);
    const bKey = newCrypto(1, 'AES_CM_128_HMAC_SHA1_80');
    const bSdp = sdp(b.port, 'RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${inline(bKey)}`]);
    await relay.answer({ callId, fromTag: 'a', toTag: 'b', sdp: bSdp });
    const agreed = media(offer.sdp).crypto![0]!.config;
    // b re-offers (re-INVITE) with the same line: its answer from the relay carries the agreed key.
    const reOffer = await relay.offer({ callId, fromTag: 'b', sdp: bSdp });
    expect(media(reOffer.sdp).protocol).toBe('RTP/SAVP');
    const reAnswer = await relay.answer({ callId, fromTag: 'b', toTag: 'a', sdp: sdp(a.port, 'RTP/AVP') });
    expect(media(reAnswer.sdp).crypto!.map((c) => c.config)).toEqual([agreed]);
    await relay.delete({ callId });
  });

  it('refuses SRTP it cannot do with errors naming the a=crypto line, and leaks no ports', async () => {
    const key = inline(newCrypto(1, 'AES_CM_128_HMAC_SHA1_80'));
    const cases: Array<[string[], RegExp]> = [
      [[], /RTP\/SAVP without an a=crypto line/],
      [[`1 AES_256_CM_HMAC_SHA1_80 inline:${key}`], /crypto suite not supported/],
      [[`1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20|1:4`], /lifetime 2\^20/],
      [[`1 AES_CM_128_HMAC_SHA1_80 inline:${key}|1:4`], /MKI \(1:4\) not supported/],
      [[`1 AES_CM_128_HMAC_SHA1_80 inline:${key} KDR=10`], /session parameters/],
      [['1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ='], /5 bytes/],
    ];
    for (const [crypto, message] of cases) {
      const error = await relay
        .offer({
          callId: `bad-${++calls}`,
          fromTag: 'a',
          sdp: sdp(40000, 'RTP/SAVP', crypto),
          transport: 'RTP/AVP',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MediaRelayError);
      expect((error as Error).message).toMatch(message);
    }
    // A line the relay cannot use is skipped when another one works.
    const ok = await relay.offer({
      callId: `ok-${++calls}`,
      fromTag: 'a',
      sdp: sdp(40000, 'RTP/SAVP', [
        `1 F8_128_HMAC_SHA1_80 inline:${key}`,
        `2 AES_CM_128_HMAC_SHA1_80 inline:${key}`,
      ]),
    });
    expect(ok.sdp).toContain('m=audio');
    await relay.delete({ callId: `ok-${calls}` });
    const counters = await relay.counters();
    expect(counters.sessions).toBe(0);
    expect(counters.endpoints).toBe(0);
  });
});

describe('built-in relay: best-effort SRTP (a=crypto in an RTP/AVP offer)', () => {
  let relay: BuiltinMediaRelay;
  beforeAll(async () => {
    relay = await inlineRelay(8);
  });
  afterAll(async () => {
    await relay?.close();
  });

  it('answers with its own key in RTP/AVP, the other side gets plain RTP/AVP; unusable lines fall back to plain', async () => {
    const key = inline(newCrypto(1, 'AES_CM_128_HMAC_SHA1_80'));
    const offer = await relay.offer({
      callId: 'be',
      fromTag: 'a',
      sdp: sdp(40000, 'RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${key}`]),
    });
    expect(media(offer.sdp).protocol).toBe('RTP/AVP');
    expect(offer.sdp).not.toContain('a=crypto');
    const answer = await relay.answer({ callId: 'be', fromTag: 'a', toTag: 'b', sdp: sdp(40002, 'RTP/AVP') });
    expect(media(answer.sdp).protocol).toBe('RTP/AVP');
    expect(media(answer.sdp).crypto).toHaveLength(1);
    expect(answer.sdp).not.toContain(key);
    await relay.delete({ callId: 'be' });
    const fallback = await relay.offer({
      callId: 'be2',
      fromTag: 'a',
      sdp: sdp(40000, 'RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${key}|1:4`]),
    });
    expect(fallback.sdp).not.toContain('a=crypto');
    const plainAnswer = await relay.answer({
      callId: 'be2',
      fromTag: 'a',
      toTag: 'b',
      sdp: sdp(40002, 'RTP/AVP'),
    });
    expect(plainAnswer.sdp).not.toContain('a=crypto');
    await relay.delete({ callId: 'be2' });
  });
});
