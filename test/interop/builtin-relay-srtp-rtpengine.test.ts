import { parse } from 'sdp-transform';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NgClient } from '../../src/media/ng/index.js';
import type { BuiltinMediaRelay } from '../../src/media/relay/index.js';
import { inlineRelay, phones, sleep, voice } from '../integration/relay-loopback.js';
import { until } from '../support/until.js';
import { missingPeerReason, suiteTitle } from './peers.js';
import { type RtpengineProcess, rtpenginePeer, startRtpengine } from './rtpengine-process.js';

// The built-in relay's SDES-SRTP against another implementation, rtpengine 10.5, for each suite:
// phone A (plain RTP) → built-in relay, which offers RTP/SAVP (both suites) → rtpengine, told to
// refuse every suite but the one under test (ng SDES no-…), bridges to plain RTP → phone C. So the
// leg between the relays is SRTP keyed by the built-in relay's offer and rtpengine's answer; what
// A and C receive is the other's RTP byte for byte only if both encrypt, authenticate (80- or
// 32-bit tag) and decrypt alike. baresip 1.0 only ever uses AES_CM_128_HMAC_SHA1_80.
const bin = rtpenginePeer();
const missing = bin ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');
const ENGINE_PORTS = { min: 47600, max: 47639 };
const SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const;

function plainSdp(port: number): string {
  return (
    'v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`
  );
}

const media = (sdp: string) => parse(sdp).media[0]!;

describe.skipIf(!bin)(suiteTitle('built-in relay SDES ↔ rtpengine SDES, each suite', [missing]), () => {
  let engine: RtpengineProcess;
  let ng: NgClient;
  let relay: BuiltinMediaRelay;
  const { phone, closeAll } = phones();
  let calls = 0;

  beforeAll(async () => {
    engine = await startRtpengine(bin!, { portMin: ENGINE_PORTS.min, portMax: ENGINE_PORTS.max });
    ng = new NgClient(engine.ngAddress, { timeoutMs: 1000, attempts: 3 });
    relay = await inlineRelay(20);
  });
  afterAll(async () => {
    await relay?.close();
    await ng?.close();
    await engine?.stop();
  });
  afterEach(() => closeAll());

  it.each(SUITES)('%s: RTP both ways through the SRTP leg between the two relays', async (suite) => {
    const callId = `sb-sdes-${process.pid}-${++calls}`;
    const a = await phone();
    const c = await phone();
    const toEngine = await relay.offer({
      callId,
      fromTag: 'a',
      sdp: plainSdp(a.port),
      transport: 'RTP/SAVP',
    });
    expect(media(toEngine.sdp).crypto?.map((x) => x.suite)).toEqual([...SUITES]);
    const others = SUITES.filter((s) => s !== suite).map((s) => `no-${s}`);
    const toC = await ng.offer({
      callId,
      fromTag: 'b',
      sdp: toEngine.sdp,
      replace: ['origin', 'session-connection'],
      extra: { 'transport-protocol': 'RTP/AVP', SDES: others },
    });
    expect(media(toC.sdp).protocol).toBe('RTP/AVP');
    const fromEngine = await ng.answer({
      callId,
      fromTag: 'b',
      toTag: 'c',
      sdp: plainSdp(c.port),
      replace: ['origin', 'session-connection'],
    });
    // rtpengine picked the suite under test from the built-in relay's offer, with its own key.
    const picked = media(fromEngine.sdp);
    expect(picked.protocol).toBe('RTP/SAVP');
    expect(picked.crypto?.map((x) => x.suite)).toEqual([suite]);
    const toA = await relay.answer({ callId, fromTag: 'a', toTag: 'b', sdp: fromEngine.sdp });
    expect(media(toA.sdp).protocol).toBe('RTP/AVP');

    const aSendsTo = media(toA.sdp).port;
    const cSendsTo = media(toC.sdp).port;
    for (let seq = 1; seq <= 30; seq++) {
      a.rtp.send(voice(seq, 0xa, seq & 0xff), aSendsTo, '127.0.0.1');
      c.rtp.send(voice(seq, 0xc, (seq + 7) & 0xff), cSendsTo, '127.0.0.1');
      await sleep(10);
    }
    await until(() => a.received.length >= 20 && c.received.length >= 20, 5000, 'RTP through both relays');
    for (const p of c.received) expect(p).toEqual(voice(p.readUInt16BE(2), 0xa, p.readUInt16BE(2) & 0xff));
    for (const p of a.received)
      expect(p).toEqual(voice(p.readUInt16BE(2), 0xc, (p.readUInt16BE(2) + 7) & 0xff));

    const stats = await relay.delete({ callId });
    const fromEngineSide = stats?.streams.find((s) => s.fromTag === 'b' && s.component === 'rtp');
    expect(fromEngineSide?.packets).toBeGreaterThanOrEqual(20);
    expect(fromEngineSide?.srtp).toMatchObject({ authFailures: 0, replays: 0, malformed: 0 });
    await ng.delete({ callId });
  });
});
