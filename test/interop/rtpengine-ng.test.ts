import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NgClient, NgError, type SubscribeRequestReply } from '../../src/media/ng/index.js';
import type { RecordedPacket } from '../../src/media/udp/index.js';
import {
  LegReceiver,
  type MediaTimeoutEvent,
  RtpPortRange,
  SharedTicker,
} from '../../src/media/udp/index.js';
import { until } from '../support/until.js';
import { missingPeerReason, suiteTitle } from './peers.js';
import {
  RTPENGINE_MEDIA_PORTS,
  type RtpengineProcess,
  rtpenginePeer,
  startRtpengine,
} from './rtpengine-process.js';

// A call through the real rtpengine (Debian's rtpengine-daemon 10.5) between two local UDP
// sockets, recorded the way Switchboard's recorder does it: `subscribe request` (flags all +
// siprec) → sendonly SDP with one labelled m= per leg → `subscribe answer` pointing at two
// LegReceivers → forked RTP → `unsubscribe`.
const bin = rtpenginePeer();
const missing = bin ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');

// rtpengine relays on the lower half of the test media range; the recorder listens on the upper.
const ENGINE_PORTS = { min: RTPENGINE_MEDIA_PORTS.min, max: RTPENGINE_MEDIA_PORTS.min + 499 };
const RECORDER_PORTS = { min: RTPENGINE_MEDIA_PORTS.min + 500, max: RTPENGINE_MEDIA_PORTS.max };

const CALLER_TAG = 'caller-tag-1';
const CALLEE_TAG = 'callee-tag-2';
const CALLER = { fill: 0xa1, ssrc: 0x0a0a0a0a };
const CALLEE = { fill: 0xb2, ssrc: 0x0b0b0b0b };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function endpointSdp(port: number, direction: string): string {
  return (
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=${direction}\r\n`
  );
}

function mediaPort(sdp: string): number {
  const match = /^m=audio (\d+) /m.exec(sdp);
  if (!match) throw new Error(`no m=audio in\n${sdp}`);
  return Number(match[1]);
}

/** The m= sections of an SDP, as text (a=label read from the text: it is a token, not a number). */
function mediaSections(
  sdp: string,
): Array<{ port: number; label?: string; direction?: string; text: string }> {
  return sdp
    .split(/\r\n(?=m=)/)
    .slice(1)
    .map((text) => ({
      text,
      port: Number(/^m=\S+ (\d+)/.exec(text)?.[1]),
      label: /^a=label:(\S+)/m.exec(text)?.[1],
      direction: /^a=(sendrecv|sendonly|recvonly|inactive)\r?$/m.exec(text)?.[1],
    }));
}

function rtp(seq: number, who: { fill: number; ssrc: number }): Buffer {
  const packet = Buffer.alloc(12 + 160, who.fill);
  packet[0] = 0x80;
  packet[1] = 0; // PCMU
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(seq * 160, 4);
  packet.writeUInt32BE(who.ssrc, 8);
  return packet;
}

interface Phone {
  socket: Socket;
  port: number;
  received: Buffer[];
}

async function phone(): Promise<Phone> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data) => received.push(data));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

interface Call {
  callId: string;
  caller: Phone;
  callee: Phone;
  /** Where the caller sends (rtpengine's port from the answer), and the callee (from the offer). */
  callerTo: number;
  calleeTo: number;
  seq: number;
}

describe.skipIf(!bin)(suiteTitle('rtpengine ng: subscribe request / answer / unsubscribe', [missing]), () => {
  let engine: RtpengineProcess;
  let ng: NgClient;
  const range = new RtpPortRange({ ...RECORDER_PORTS, address: '127.0.0.1' });
  const ticker = new SharedTicker(50);
  const phones: Phone[] = [];
  const receivers: LegReceiver[] = [];
  let callCounter = 0;

  beforeAll(async () => {
    engine = await startRtpengine(bin!, { portMin: ENGINE_PORTS.min, portMax: ENGINE_PORTS.max });
    ng = new NgClient(engine.ngAddress, { timeoutMs: 500, attempts: 3 });
  });

  afterAll(async () => {
    await ng?.close();
    await engine?.stop();
  });

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    for (const p of phones.splice(0)) p.socket.close();
  });

  async function setUpCall(): Promise<Call> {
    const callId = `sb-ng-${process.pid}-${++callCounter}`;
    const caller = await phone();
    const callee = await phone();
    phones.push(caller, callee);
    const replace = ['origin', 'session-connection'];
    const offer = await ng.offer({
      callId,
      fromTag: CALLER_TAG,
      sdp: endpointSdp(caller.port, 'sendrecv'),
      replace,
    });
    const answer = await ng.answer({
      callId,
      fromTag: CALLER_TAG,
      toTag: CALLEE_TAG,
      sdp: endpointSdp(callee.port, 'sendrecv'),
      replace,
    });
    return {
      callId,
      caller,
      callee,
      callerTo: mediaPort(answer.sdp),
      calleeTo: mediaPort(offer.sdp),
      seq: 0,
    };
  }

  /** One 20 ms packet each way, `count` times. */
  async function talk(call: Call, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const seq = ++call.seq;
      call.caller.socket.send(rtp(seq, CALLER), call.callerTo, '127.0.0.1');
      call.callee.socket.send(rtp(seq, CALLEE), call.calleeTo, '127.0.0.1');
      await sleep(20);
    }
  }

  async function recorder(options: { mediaTimeoutMs?: number } = {}) {
    const packets: RecordedPacket[][] = [[], []];
    const timeouts: MediaTimeoutEvent[] = [];
    for (const leg of [0, 1]) {
      receivers.push(
        await LegReceiver.open(range, {
          leg,
          onPacket: (p) => packets[p.leg]!.push(p),
          onMediaTimeout: (e) => timeouts.push(e),
          mediaTimeoutMs: options.mediaTimeoutMs ?? 10_000,
          firstPacketTimeoutMs: 30_000,
          ticker,
        }),
      );
    }
    return { legs: receivers.slice(-2), packets, timeouts };
  }

  /** The recorder's answer: one recvonly m= per offered section, same label, at a receiver's port. */
  function recorderAnswer(offer: SubscribeRequestReply, legs: LegReceiver[]): string {
    const sections = mediaSections(offer.sdp);
    let sdp = 'v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=switchboard-recorder\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n';
    sections.forEach((section, i) => {
      sdp +=
        `m=audio ${legs[i]!.port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n` +
        `a=label:${section.label}\r\na=rtcp:${legs[i]!.rtcpPort}\r\na=recvonly\r\n`;
    });
    return sdp;
  }

  async function subscribe(call: Call, options: { mediaTimeoutMs?: number } = {}) {
    const offer = await ng.subscribeRequest({ callId: call.callId, flags: ['all', 'siprec'] });
    const rec = await recorder(options);
    await ng.subscribeAnswer({
      callId: call.callId,
      toTag: offer.toTag,
      sdp: recorderAnswer(offer, rec.legs),
    });
    return { offer, ...rec };
  }

  it('relays the call, forks each direction to the receiver of its label, and stops on unsubscribe', async () => {
    const call = await setUpCall();
    await talk(call, 3);
    await until(
      () => call.caller.received.length >= 2 && call.callee.received.length >= 2,
      2_000,
      'relayed RTP',
    );
    expect(call.callee.received[0]![20]).toBe(CALLER.fill);
    expect(call.caller.received[0]![20]).toBe(CALLEE.fill);

    const offer = await ng.subscribeRequest({ callId: call.callId, flags: ['all', 'siprec'] });
    // The recorder's offer: one sendonly, labelled m= per leg.
    const sections = mediaSections(offer.sdp);
    expect(sections).toHaveLength(2);
    for (const s of sections) {
      expect(s.direction).toBe('sendonly');
      expect(s.label).toMatch(/^\S+$/);
      expect(s.text).toMatch(/^a=rtpmap:0 PCMU\/8000\r?$/m);
    }
    expect(new Set(sections.map((s) => s.label)).size).toBe(2);
    expect(offer.toTag).toMatch(/^\S{8,}$/);
    expect(offer.toTag).not.toBe(CALLER_TAG);
    expect(offer.toTag).not.toBe(CALLEE_TAG);
    expect(offer.fromTags?.sort()).toEqual([CALLEE_TAG, CALLER_TAG].sort());
    // media-labels / tag-medias name the leg (from-tag) behind each label, consistently.
    const labelTags = Object.fromEntries(Object.entries(offer.mediaLabels ?? {}).map(([l, m]) => [l, m.tag]));
    expect(Object.keys(labelTags).sort()).toEqual(sections.map((s) => s.label!).sort());
    expect(Object.values(labelTags).sort()).toEqual([CALLEE_TAG, CALLER_TAG].sort());
    for (const entry of offer.tagMedias ?? []) {
      expect(entry.medias).toHaveLength(1);
      expect(labelTags[entry.medias[0]!.label!]).toBe(entry.tag);
    }
    expect(offer.tagMedias).toHaveLength(2);

    const rec = await recorder();
    await ng.subscribeAnswer({
      callId: call.callId,
      toTag: offer.toTag,
      sdp: recorderAnswer(offer, rec.legs),
    });
    await talk(call, 10);
    await until(
      () => rec.packets[0]!.length >= 8 && rec.packets[1]!.length >= 8,
      3_000,
      'forked RTP on both legs',
    );

    // Established: the receiver answering the m= section labelled L gets the media SENT by the leg
    // whose from-tag media-labels[L].tag names (here: the caller's own RTP on the caller's label).
    const fills: Record<string, { fill: number; ssrc: number }> = {
      [CALLER_TAG]: CALLER,
      [CALLEE_TAG]: CALLEE,
    };
    sections.forEach((section, i) => {
      const sender = fills[labelTags[section.label!]!]!;
      const got = rec.packets[i]!;
      expect(got.every((p) => p.data[20] === sender.fill && p.data.readUInt32BE(8) === sender.ssrc)).toBe(
        true,
      );
      // rtpengine forks the packets unchanged apart from its own relaying: same SSRC and sequence numbers.
      const seqs = got.map((p) => p.data.readUInt16BE(2));
      expect(seqs.every((s, j) => j === 0 || s === (seqs[j - 1]! + 1) % 65536)).toBe(true);
      // Sent from rtpengine's sendonly port of that section, so symmetric latching holds.
      expect(rec.legs[i]!.source?.port).toBe(section.port);
      expect(rec.legs[i]!.counters.droppedSource).toBe(0);
    });
    // rtpengine 10.5 numbers its labels in its own order: with this caller/callee, label "1" is the
    // caller (first m=) and label "0" the callee (second m=). Recorded as a fact, not relied on above.
    expect(labelTags).toEqual({ '1': CALLER_TAG, '0': CALLEE_TAG });
    expect(sections.map((s) => s.label)).toEqual(['1', '0']);

    await ng.unsubscribe({ callId: call.callId, toTag: offer.toTag });
    await sleep(150); // let packets already in flight land
    const counts = rec.legs.map((l) => l.counters.received);
    const relayed = call.callee.received.length;
    await talk(call, 10);
    await sleep(150);
    expect(rec.legs.map((l) => l.counters.received)).toEqual(counts);
    // the call itself still flows
    expect(call.callee.received.length).toBeGreaterThanOrEqual(relayed + 8);

    await ng.delete({ callId: call.callId });
  });

  it('subscribes to one leg chosen by from-tag', async () => {
    const call = await setUpCall();
    await talk(call, 2);
    const offer = await ng.subscribeRequest({
      callId: call.callId,
      fromTags: [CALLEE_TAG],
      flags: ['siprec'],
    });
    const sections = mediaSections(offer.sdp);
    expect(sections).toHaveLength(1);
    expect(offer.fromTags).toEqual([CALLEE_TAG]);
    expect(offer.mediaLabels?.[sections[0]!.label!]?.tag).toBe(CALLEE_TAG);
    const rec = await recorder();
    await ng.subscribeAnswer({
      callId: call.callId,
      toTag: offer.toTag,
      sdp: recorderAnswer(offer, rec.legs),
    });
    await talk(call, 6);
    await until(() => rec.packets[0]!.length >= 4, 3_000, 'forked callee RTP');
    expect(rec.packets[0]!.every((p) => p.data[20] === CALLEE.fill)).toBe(true);
    expect(rec.packets[1]).toHaveLength(0);
    await ng.delete({ callId: call.callId });
  });

  it("a delete naming the call's dialogue, with a recorder still subscribed, ends the whole call", async () => {
    // What the B2BUA sends at a call's end (one round trip: the reply carries the statistics).
    const call = await setUpCall();
    await talk(call, 2);
    await subscribe(call);
    const reply = await ng.delete({ callId: call.callId, fromTag: CALLER_TAG, toTag: CALLEE_TAG });
    expect(Object.keys(reply['tags'] as object)).toEqual(expect.arrayContaining([CALLER_TAG, CALLEE_TAG]));
    const error = await ng.query({ callId: call.callId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NgError);
    expect((error as NgError).reason).toMatch(/unknown call/i);
  });

  it('answers a subscribe request for an unknown call-id with NgError', async () => {
    const error = await ng
      .subscribeRequest({ callId: `no-such-call-${process.pid}`, flags: ['all', 'siprec'] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NgError);
    expect((error as NgError).reason).toBe('Unknown call-ID');
    expect((error as NgError).command).toBe('subscribe request');
  });

  it('fires the media timeout on the receivers once the call is deleted', async () => {
    const call = await setUpCall();
    const rec = await subscribe(call, { mediaTimeoutMs: 400 });
    await talk(call, 8);
    await until(() => rec.packets[0]!.length >= 4 && rec.packets[1]!.length >= 4, 3_000, 'forked RTP');
    expect(rec.timeouts).toHaveLength(0);
    const deleted = await ng.delete({ callId: call.callId });
    expect(deleted['result']).toBe('ok');
    const stoppedAt = Date.now();
    // The phones keep sending into the deleted call; nothing is forked any more.
    const talking = talk(call, 10);
    await until(() => rec.timeouts.length === 2, 3_000, 'media timeouts on both legs');
    await talking;
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(350);
    expect(rec.timeouts.map((t) => t.leg).sort()).toEqual([0, 1]);
    expect(rec.timeouts.every((t) => !t.beforeFirstPacket && t.silentMs >= 400)).toBe(true);
    // a second delete of the same call: ok with a warning, not an error
    const again = await ng.delete({ callId: call.callId });
    expect(again['warning']).toMatch(/not found/i);
  });
});
