import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuiltinMediaRelay,
  type MediaEvent,
  MediaRelayError,
  ntpMiddle,
} from '../../src/media/relay/index.js';
import { buildRtpPacket } from '../../src/media/rtp/index.js';
import { until } from '../support/until.js';
import { bind, inlineRelay, phones, sleep, voice } from './relay-loopback.js';

// The built-in relay over loopback sockets, its engine on the test's thread (vitest runs the
// TypeScript sources, which a worker thread cannot load; test/interop/builtin-relay-workers.test.ts
// runs the built relay on worker threads). The SDPs name 127.0.0.2, where nobody listens: media
// only reaches the phones because the relay latches onto where their packets come from.

function sdp(port: number, payloads = '0 8 101'): string {
  return (
    'v=0\r\no=- 7 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n' +
    `m=audio ${port} RTP/AVP ${payloads}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n` +
    'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n'
  );
}

const portOf = (text: string) => Number(/^m=audio (\d+) /m.exec(text)![1]);

/** RFC 4733 event packet for digit `event`, end bit as given. */
const dtmf = (seq: number, ssrc: number, event: number, end: boolean, duration: number) =>
  buildRtpPacket({
    payloadType: 101,
    sequenceNumber: seq,
    timestamp: 48_000,
    ssrc,
    payload: Buffer.from([event, end ? 0x8a : 0x0a, duration >> 8, duration & 0xff]),
  });

/** RTCP SR with no report blocks (RFC 3550 §6.4.1). */
function senderReport(ssrc: number, ntpMs: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  const seconds = Math.floor(ntpMs / 1000) + 2_208_988_800;
  b.writeUInt32BE(seconds >>> 0, 8);
  b.writeUInt32BE(Math.floor(((ntpMs % 1000) / 1000) * 2 ** 32) >>> 0, 12);
  return b;
}

/** RTCP RR with one block echoing `lsr`, `dlsr` in 1/65536 s. */
function receiverReport(ssrc: number, about: number, lsr: number, dlsr: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x81;
  b[1] = 201;
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(about, 8);
  b.writeUInt32BE(lsr, 24);
  b.writeUInt32BE(dlsr, 28);
  return b;
}

// auto: the native batch module (recvmmsg/sendmmsg) where it is built; dgram: node:dgram sockets.
describe.each(['auto', 'dgram'] as const)('built-in media relay over loopback (%s sockets)', (receiver) => {
  let relay: BuiltinMediaRelay;
  const events: MediaEvent[] = [];
  const { phone, closeAll: closePhones } = phones();
  let calls = 0;

  beforeAll(async () => {
    relay = await inlineRelay(40, { receiver });
    relay.onEvent((e) => events.push(e));
  });

  afterAll(async () => {
    await relay?.close();
  });

  afterEach(() => {
    closePhones();
    events.length = 0;
  });

  async function call() {
    const callId = `builtin-${++calls}`;
    const a = await phone();
    const b = await phone();
    const offer = await relay.offer({ callId, fromTag: 'a', sdp: sdp(a.port), label: 'caller' });
    const answer = await relay.answer({
      callId,
      fromTag: 'a',
      toTag: 'b',
      sdp: sdp(b.port),
      label: 'callee',
    });
    return {
      callId,
      a,
      b,
      aTo: portOf(answer.sdp),
      bTo: portOf(offer.sdp),
      offer: offer.sdp,
      answer: answer.sdp,
    };
  }

  /** b speaks first (its packet is lost: a has not latched), then a, then b again: both latched. */
  async function latchBoth(c: Awaited<ReturnType<typeof call>>): Promise<void> {
    c.b.rtp.send(voice(1, 0xb), c.bTo, '127.0.0.1');
    await sleep(10);
    c.a.rtp.send(voice(1, 0xa), c.aTo, '127.0.0.1');
    await until(() => c.b.received.length >= 1, 3000, 'latching');
    c.b.received.length = 0;
  }

  it('rewrites both SDPs to its own address and port pairs (RTP even, a=rtcp on port + 1)', async () => {
    const c = await call();
    for (const text of [c.offer, c.answer]) {
      expect(text).toMatch(/^c=IN IP4 127\.0\.0\.1\r$/m);
      expect(text).toMatch(/^o=- 7 1 IN IP4 127\.0\.0\.1\r$/m);
      expect(text).not.toContain('127.0.0.2');
      expect(portOf(text) % 2).toBe(0);
      expect(text).toContain(`a=rtcp:${portOf(text) + 1} IN IP4 127.0.0.1`);
    }
    expect(c.aTo).not.toBe(c.bTo);
    await relay.delete({ callId: c.callId });
  });

  it('relays RTP both ways once each side latched, counts it, and delete returns the final figures', async () => {
    const c = await call();
    for (let seq = 1; seq <= 20; seq++) {
      c.a.rtp.send(voice(seq, 0xa), c.aTo, '127.0.0.1');
      c.b.rtp.send(voice(seq, 0xb), c.bTo, '127.0.0.1');
      await sleep(2);
    }
    await until(() => c.a.received.length >= 15 && c.b.received.length >= 15, 3000, 'relayed RTP');
    expect(c.b.received.every((p) => p.readUInt32BE(8) === 0xa)).toBe(true);
    expect(c.a.received.every((p) => p.readUInt32BE(8) === 0xb)).toBe(true);
    // Symmetric RTP: each phone hears from the port it sends to.
    const stats = await relay.query(c.callId);
    const rtp = (tag: string) => stats!.streams.find((s) => s.fromTag === tag && s.component === 'rtp')!;
    expect(rtp('a')).toMatchObject({ packets: 20, bytes: 20 * 172, lost: 0, label: 'caller' });
    expect(rtp('a').latchedTo).toBe(`127.0.0.1:${c.a.port}`);
    expect(rtp('b')).toMatchObject({ packets: 20, lost: 0, label: 'callee' });
    expect(rtp('a').mos).toBeGreaterThan(4);
    expect(
      events
        .filter((e) => e.type === 'media.latched')
        .map((e) => (e as { fromTag: string }).fromTag)
        .sort(),
    ).toEqual(['a', 'b']);
    // Loss: sequence numbers 21-24 never sent.
    c.a.rtp.send(voice(25, 0xa), c.aTo, '127.0.0.1');
    await until(
      () => c.b.received.length >= 21 || c.b.received.some((p) => p.readUInt16BE(2) === 25),
      3000,
      'packet 25',
    );
    const final = await relay.delete({ callId: c.callId });
    const finalA = final!.streams.find((s) => s.fromTag === 'a' && s.component === 'rtp')!;
    expect(finalA).toMatchObject({ packets: 21, lost: 4 });
    expect(await relay.query(c.callId)).toBeUndefined();
    expect(await relay.delete({ callId: c.callId })).toBeUndefined();
    const counters = await relay.counters();
    expect(counters.sessions).toBe(0);
    expect(counters.endpoints).toBe(0);
  });

  it('drops packets from a second source after latching (no hijack) and counts them', async () => {
    const c = await call();
    await latchBoth(c);
    const intruder = await bind(0);
    for (let i = 0; i < 5; i++) intruder.send(voice(100 + i, 0xbad), c.aTo, '127.0.0.1');
    c.a.rtp.send(voice(2, 0xa), c.aTo, '127.0.0.1');
    await until(() => c.b.received.length >= 1, 3000, 'the next genuine packet');
    intruder.close();
    expect(c.b.received.some((p) => p.readUInt32BE(8) === 0xbad)).toBe(false);
    const stats = await relay.query(c.callId);
    const a = stats!.streams.find((s) => s.fromTag === 'a' && s.component === 'rtp')!;
    expect(a).toMatchObject({ packets: 2, dropped: 5, latchedTo: `127.0.0.1:${c.a.port}` });
    expect((await relay.counters()).dropped.source).toBeGreaterThanOrEqual(5);
    await relay.delete({ callId: c.callId });
  });

  it('drops malformed RTP and RTCP without relaying them', async () => {
    const c = await call();
    await latchBoth(c);
    c.a.rtp.send(Buffer.from('not rtp'), c.aTo, '127.0.0.1');
    c.a.rtcp.send(Buffer.from([0x80, 200, 0, 50]), c.aTo + 1, '127.0.0.1');
    c.a.rtp.send(voice(2, 0xa), c.aTo, '127.0.0.1');
    await until(() => c.b.received.length >= 1, 3000, 'the genuine packet');
    await sleep(20);
    expect(c.b.received).toHaveLength(1);
    expect(c.b.rtcpReceived).toHaveLength(0);
    const s = await relay.query(c.callId);
    expect(s!.streams.find((x) => x.fromTag === 'a' && x.component === 'rtp')!.dropped).toBe(1);
    expect(s!.streams.find((x) => x.fromTag === 'a' && x.component === 'rtcp')!.dropped).toBe(1);
    await relay.delete({ callId: c.callId });
  });

  it('relays RTCP and measures the round trip from an RR answering a relayed SR (RFC 3550 §6.4.1)', async () => {
    const c = await call();
    await latchBoth(c);
    // RTCP latches on its own: b's first RTCP makes b's RTCP address known before a's SR.
    c.b.rtcp.send(receiverReport(0xb, 0xa, 0, 0), c.bTo + 1, '127.0.0.1');
    await sleep(20);
    const srAt = Date.now();
    c.a.rtcp.send(senderReport(0xa, srAt), c.aTo + 1, '127.0.0.1');
    await until(() => c.b.rtcpReceived.length >= 1, 3000, 'the SR at b');
    const lsr = c.b.rtcpReceived[0]!.readUInt32BE(10);
    expect(lsr).toBe(ntpMiddle(srAt));
    // b answers after holding the SR for 50 ms (DLSR), the RR reaches the relay at once.
    await sleep(60);
    c.b.rtcp.send(receiverReport(0xb, 0xa, lsr, Math.round(0.05 * 65536)), c.bTo + 1, '127.0.0.1');
    await until(() => c.a.rtcpReceived.length >= 1, 3000, 'the RR at a');
    const stats = await relay.query(c.callId);
    const b = stats!.streams.find((s) => s.fromTag === 'b' && s.component === 'rtp')!;
    expect(b.rttMs).toBeGreaterThanOrEqual(0);
    expect(b.rttMs).toBeLessThan(1000);
    expect(stats!.streams.find((s) => s.fromTag === 'b' && s.component === 'rtcp')!.packets).toBe(2);
    await relay.delete({ callId: c.callId });
  });

  it('reports an RFC 4733 digit once when its end packets arrive, and relays them', async () => {
    const c = await call();
    await latchBoth(c);
    for (const [seq, end, duration] of [
      [11, false, 160],
      [12, false, 320],
      [13, true, 800],
      [14, true, 800],
      [15, true, 800],
    ] as const) {
      c.a.rtp.send(dtmf(seq, 0xa, 5, end, duration), c.aTo, '127.0.0.1');
    }
    await until(() => c.b.received.length >= 5, 3000, 'the DTMF packets');
    const digits = events.filter((e) => e.type === 'media.dtmf');
    expect(digits).toEqual([
      expect.objectContaining({ callId: c.callId, fromTag: 'a', digit: '5', durationMs: 100 }),
    ]);
    await relay.delete({ callId: c.callId });
  });

  it('applies the codec policy to the SDP passed on (telephone-event kept)', async () => {
    const a = await phone();
    const offer = await relay.offer({
      callId: 'codecs',
      fromTag: 'a',
      sdp: sdp(a.port),
      codecs: { allow: ['PCMA'], ptime: 20 },
    });
    expect(/^m=audio \d+ RTP\/AVP (.*)\r$/m.exec(offer.sdp)![1]).toBe('8 101');
    expect(offer.sdp).not.toContain('PCMU');
    expect(offer.sdp).toContain('a=ptime:20');
    await relay.delete({ callId: 'codecs' });
  });

  it('rejects bad requests with clear errors and leaks no ports', async () => {
    await expect(relay.answer({ callId: 'nope', fromTag: 'a', toTag: 'b', sdp: sdp(4000) })).rejects.toThrow(
      /unknown call nope/,
    );
    await expect(relay.offer({ callId: 'bad', fromTag: 'a', sdp: 'v=0\r\n' })).rejects.toBeInstanceOf(
      MediaRelayError,
    );
    await expect(
      relay.offer({ callId: 'webrtc', fromTag: 'a', sdp: sdp(4000).replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF') }),
    ).rejects.toThrow(/WebRTC section without a=ice-ufrag/);
    expect(await relay.counters()).toMatchObject({ endpoints: 0, sessions: 0 });
    // 40 ports hold 20 pairs: 10 calls. The 11th offer fails cleanly, and its partial ports go back.
    for (let i = 0; i < 10; i++) await relay.offer({ callId: `fill-${i}`, fromTag: 'a', sdp: sdp(4000) });
    await expect(relay.offer({ callId: 'one-too-many', fromTag: 'a', sdp: sdp(4000) })).rejects.toThrow(
      /media\.portMin/,
    );
    expect((await relay.counters()).endpoints).toBe(20);
    for (let i = 0; i < 10; i++) await relay.delete({ callId: `fill-${i}` });
    expect(await relay.counters()).toMatchObject({ endpoints: 0, sessions: 0 });
  });
});
