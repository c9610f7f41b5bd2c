import { parse } from 'sdp-transform';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltinMediaRelay, MediaRelayError } from '../../src/media/relay/index.js';
import { newCrypto, type SdesCrypto, SrtpSession } from '../../src/media/srtp/index.js';
import { until } from '../support/until.js';
import { inlineRelay, phones, senderReport, sleep, voice as voiceFilled } from './relay-loopback.js';

const voice = (seq: number, ssrc: number) => voiceFilled(seq, ssrc, seq & 0xff);

// The built-in relay forking a call's media to a recorder (MediaRelay.subscribe, as rtpengine's
// ng subscribe request/answer and unsubscribe), over loopback with a fake recorder socket per
// forked direction.

const inline = (c: SdesCrypto) => Buffer.concat([c.key, c.salt]).toString('base64');

function sdp(port: number, profile = 'RTP/AVP', crypto: string[] = []): string {
  return (
    'v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    `m=audio ${port} ${profile} 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n` +
    `${crypto.map((c) => `a=crypto:${c}\r\n`).join('')}a=ptime:20\r\na=sendrecv\r\n`
  );
}

/** What a recorder answers: recvonly, one m= per offered line, its own ports (0: rejected). */
function recorderAnswer(ports: number[]): string {
  return (
    'v=0\r\no=- 9 1 IN IP4 127.0.0.1\r\ns=recorder\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    ports.map((p) => `m=audio ${p} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\n`).join('')
  );
}

const media = (text: string) => parse(text).media;

describe.each(['auto', 'dgram'] as const)(
  'built-in relay: forking media to a recorder (%s sockets)',
  (receiver) => {
    let relay: BuiltinMediaRelay;
    const peers = phones();
    let calls = 0;

    beforeAll(async () => {
      relay = await inlineRelay(20, { receiver });
    });
    afterAll(async () => {
      await relay?.close();
    });
    afterEach(() => peers.closeAll());

    /** A call a ↔ b through the relay: where each side sends to. */
    async function call(aProfile = 'RTP/AVP', aCrypto: string[] = []) {
      const callId = `fork-${receiver}-${++calls}`;
      const a = await peers.phone();
      const b = await peers.phone();
      const recorder = { a: await peers.phone(), b: await peers.phone() };
      const offer = await relay.offer({
        callId,
        fromTag: 'a',
        sdp: sdp(a.port, aProfile, aCrypto),
        transport: 'RTP/AVP',
      });
      const answer = await relay.answer({ callId, fromTag: 'a', toTag: 'b', sdp: sdp(b.port) });
      return { callId, a, b, recorder, toA: media(answer.sdp)[0]!.port, toB: media(offer.sdp)[0]!.port };
    }

    it('subscribe offers one sendonly m= per direction; after the answer each direction is copied to its recorder port, until unsubscribe', async () => {
      const c = await call();
      const endpointsBefore = (await relay.counters()).endpoints;
      const subscription = await relay.subscribe({ callId: c.callId, siprec: true });
      const offered = media(subscription.sdp);
      expect(offered).toHaveLength(2);
      for (const m of offered) {
        expect(m).toMatchObject({ protocol: 'RTP/AVP', direction: 'sendonly', payloads: '0 101' });
        expect(m.rtcp?.port).toBe(m.port + 1);
      }
      expect(new Set(offered.map((m) => m.port)).size).toBe(2);
      expect(offered.map((m) => m.port)).not.toContain(c.toA);
      expect(offered.map((m) => m.port)).not.toContain(c.toB);
      expect(subscription.sdp).toContain('a=label:1');
      expect(subscription.sdp).toContain('a=label:2');
      expect(subscription.labels).toEqual({ '1': { tag: 'a', index: 1 }, '2': { tag: 'b', index: 1 } });
      expect((await relay.counters()).endpoints).toBe(endpointsBefore + 2);

      // Before the recorder answers, nothing goes to it.
      c.a.rtp.send(voice(1, 0xa), c.toA, '127.0.0.1');
      await until(() => c.b.received.length >= 1, 3000, 'relayed packet');
      await relay.subscribeAnswer({
        callId: c.callId,
        toTag: subscription.toTag,
        sdp: recorderAnswer([c.recorder.a.port, c.recorder.b.port]),
      });
      for (let seq = 2; seq <= 11; seq++) {
        c.a.rtp.send(voice(seq, 0xa), c.toA, '127.0.0.1');
        c.b.rtp.send(voice(seq, 0xb), c.toB, '127.0.0.1');
        await sleep(2);
      }
      c.a.rtcp.send(senderReport(0xa), c.toA + 1, '127.0.0.1');
      await until(
        () => c.recorder.a.received.length >= 10 && c.recorder.b.received.length >= 10,
        3000,
        'forked media',
      );
      await until(() => c.recorder.a.rtcpReceived.length >= 1, 3000, 'forked RTCP');
      // Each direction on its own recorder port, exactly as sent, from the port the SDP offered.
      expect(c.recorder.a.received.map((p) => p.readUInt16BE(2))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      for (const p of c.recorder.a.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xa));
      for (const p of c.recorder.b.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xb));
      expect(c.recorder.a.rtcpReceived[0]).toEqual(senderReport(0xa));
      expect(c.recorder.b.rtcpReceived).toHaveLength(0);
      // The call itself goes on as before.
      await until(() => c.b.received.length >= 11 && c.a.received.length >= 10, 3000, 'relayed media');
      expect((await relay.counters()).forked).toBeGreaterThanOrEqual(21);

      await relay.unsubscribe({ callId: c.callId, toTag: subscription.toTag });
      expect((await relay.counters()).endpoints).toBe(endpointsBefore);
      const forked = c.recorder.a.received.length;
      c.a.rtp.send(voice(12, 0xa), c.toA, '127.0.0.1');
      await until(() => c.b.received.some((p) => p.readUInt16BE(2) === 12), 3000, 'packet 12');
      await sleep(20);
      expect(c.recorder.a.received).toHaveLength(forked);
      // Unsubscribing again, or after the call, is no error.
      await relay.unsubscribe({ callId: c.callId, toTag: subscription.toTag });
      await relay.delete({ callId: c.callId });
      await relay.unsubscribe({ callId: c.callId, toTag: subscription.toTag });
    });

    it('an SRTP side is forked as plain RTP; fromTags picks one direction; a rejected stream is not sent; delete ends the fork', async () => {
      const suite = 'AES_CM_128_HMAC_SHA1_80';
      const aKey = newCrypto(1, suite);
      const c = await call('RTP/SAVP', [`1 ${suite} inline:${inline(aKey)}`]);
      const endpointsBefore = (await relay.counters()).endpoints;
      const onlyA = await relay.subscribe({ callId: c.callId, fromTags: ['a'] });
      expect(media(onlyA.sdp)).toHaveLength(1);
      expect(media(onlyA.sdp)[0]!.crypto).toBeUndefined();
      expect(onlyA.sdp).not.toContain('a=label');
      const both = await relay.subscribe({ callId: c.callId });
      await relay.subscribeAnswer({
        callId: c.callId,
        toTag: onlyA.toTag,
        sdp: recorderAnswer([c.recorder.a.port]),
      });
      // The second recorder takes b's stream only.
      await relay.subscribeAnswer({
        callId: c.callId,
        toTag: both.toTag,
        sdp: recorderAnswer([0, c.recorder.b.port]),
      });
      const aSends = new SrtpSession(suite, aKey.key, aKey.salt);
      for (let seq = 1; seq <= 10; seq++) {
        c.a.rtp.send(aSends.protectRtp(voice(seq, 0xa))!, c.toA, '127.0.0.1');
        c.b.rtp.send(voice(seq, 0xb), c.toB, '127.0.0.1');
        await sleep(2);
      }
      await until(
        () => c.recorder.a.received.length >= 10 && c.recorder.b.received.length >= 10,
        3000,
        'forked media',
      );
      for (const p of c.recorder.a.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xa));
      for (const p of c.recorder.b.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xb));
      // Recorder a's port got one copy of each (the second subscription rejected a's stream).
      await sleep(20);
      expect(c.recorder.a.received).toHaveLength(10);

      expect((await relay.counters()).endpoints).toBe(endpointsBefore + 3);
      await relay.delete({ callId: c.callId });
      expect((await relay.counters()).endpoints).toBe(endpointsBefore - 2);
      await expect(
        relay.subscribeAnswer({ callId: c.callId, toTag: both.toTag, sdp: recorderAnswer([1, 2]) }),
      ).rejects.toMatchObject({ code: 'unknown-call' });
    });

    it('refuses precisely: unknown call, unknown side, an answer with the wrong number of m= lines', async () => {
      await expect(relay.subscribe({ callId: 'nobody' })).rejects.toBeInstanceOf(MediaRelayError);
      await expect(relay.subscribe({ callId: 'nobody' })).rejects.toMatchObject({ code: 'unknown-call' });
      const c = await call();
      await expect(relay.subscribe({ callId: c.callId, fromTags: ['z'] })).rejects.toThrow(
        /no side with tag z/,
      );
      const s = await relay.subscribe({ callId: c.callId });
      await expect(
        relay.subscribeAnswer({ callId: c.callId, toTag: s.toTag, sdp: recorderAnswer([c.recorder.a.port]) }),
      ).rejects.toMatchObject({ code: 'bad-sdp' });
      await expect(
        relay.subscribeAnswer({ callId: c.callId, toTag: 'fork-none', sdp: recorderAnswer([1, 2]) }),
      ).rejects.toMatchObject({ code: 'unknown-call' });
      await relay.delete({ callId: c.callId });
    });
  },
);
