import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NgClient } from '../../src/media/ng/index.js';
import { RtpengineMediaRelay } from '../../src/media/relay/index.js';
import { until } from '../support/until.js';
import { missingPeerReason, suiteTitle } from './peers.js';
import {
  RTPENGINE_MEDIA_PORTS,
  type RtpengineProcess,
  rtpenginePeer,
  startRtpengine,
} from './rtpengine-process.js';

// The MediaRelay interface over the real rtpengine (Debian's rtpengine-daemon 10.5): offer/answer
// rewrite the SDP to rtpengine's address, RTP sent by two local sockets flows both ways, query
// counts it per side, delete returns the final counts.
const bin = rtpenginePeer();
const missing = bin ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function endpointSdp(port: number, payloads = '0 8 101'): string {
  return (
    'v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n' +
    `m=audio ${port} RTP/AVP ${payloads}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n` +
    'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n'
  );
}

function mediaLine(sdp: string): { port: number; payloads: string[] } {
  const match = /^m=audio (\d+) RTP\/AVP ([\d ]+)\r?$/m.exec(sdp);
  if (!match) throw new Error(`no m=audio in\n${sdp}`);
  return { port: Number(match[1]), payloads: match[2]!.split(' ') };
}

function rtp(seq: number, ssrc: number, fill: number): Buffer {
  const packet = Buffer.alloc(12 + 160, fill);
  packet[0] = 0x80;
  packet[1] = 0;
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(seq * 160, 4);
  packet.writeUInt32BE(ssrc, 8);
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

describe.skipIf(!bin)(suiteTitle('media relay over rtpengine (ng)', [missing]), () => {
  let engine: RtpengineProcess;
  let relay: RtpengineMediaRelay;
  const phones: Phone[] = [];
  let calls = 0;

  beforeAll(async () => {
    engine = await startRtpengine(bin!, {
      portMin: RTPENGINE_MEDIA_PORTS.min + 200,
      portMax: RTPENGINE_MEDIA_PORTS.min + 399,
    });
    relay = new RtpengineMediaRelay(new NgClient(engine.ngAddress, { timeoutMs: 500, attempts: 3 }));
  });

  afterAll(async () => {
    await relay?.close();
    await engine?.stop();
  });

  afterEach(() => {
    for (const p of phones.splice(0)) p.socket.close();
  });

  async function call(codecs?: { allow?: string[]; strip?: string[]; order?: string[] }) {
    const callId = `sb-relay-${process.pid}-${++calls}`;
    const caller = await phone();
    const callee = await phone();
    phones.push(caller, callee);
    // The SDPs name 127.0.0.2 (unreachable here): media only flows because rtpengine latches.
    const offer = await relay.offer({
      callId,
      fromTag: 'caller',
      sdp: endpointSdp(caller.port),
      codecs,
      label: 'caller',
    });
    const answer = await relay.answer({
      callId,
      fromTag: 'caller',
      toTag: 'callee',
      sdp: endpointSdp(callee.port, mediaLine(offer.sdp).payloads.join(' ')),
      label: 'callee',
    });
    return { callId, caller, callee, offer: offer.sdp, answer: answer.sdp };
  }

  it('rewrites the SDP to rtpengine, relays RTP both ways (latching), counts it in query and delete', async () => {
    const c = await call();
    expect(c.offer).toMatch(/^c=IN IP4 127\.0\.0\.1\r?$/m);
    expect(c.answer).toMatch(/^c=IN IP4 127\.0\.0\.1\r?$/m);
    expect(c.offer).not.toContain('127.0.0.2');
    const callerTo = mediaLine(c.answer).port;
    const calleeTo = mediaLine(c.offer).port;
    expect(callerTo).not.toBe(c.caller.port);
    for (let seq = 1; seq <= 20; seq++) {
      c.caller.socket.send(rtp(seq, 0xaaaa, 0xa1), callerTo, '127.0.0.1');
      c.callee.socket.send(rtp(seq, 0xbbbb, 0xb2), calleeTo, '127.0.0.1');
      await sleep(20);
    }
    await until(() => c.caller.received.length >= 15 && c.callee.received.length >= 15, 3_000, 'relayed RTP');
    expect(c.callee.received.every((p) => p.readUInt32BE(8) === 0xaaaa)).toBe(true);
    expect(c.caller.received.every((p) => p.readUInt32BE(8) === 0xbbbb)).toBe(true);

    const stats = await relay.query(c.callId);
    expect(stats?.callId).toBe(c.callId);
    expect(stats!.createdAt).toBeGreaterThan(Date.now() - 60_000);
    const rtpOf = (s: typeof stats, tag: string) =>
      s!.streams.find((x) => x.fromTag === tag && x.component === 'rtp');
    expect(rtpOf(stats, 'caller')).toMatchObject({ packets: 20, bytes: 20 * 172, label: 'caller' });
    expect(rtpOf(stats, 'callee')).toMatchObject({ packets: 20, bytes: 20 * 172, label: 'callee' });
    expect(rtpOf(stats, 'caller')!.latchedTo).toBe(`127.0.0.1:${c.caller.port}`);

    const before = c.callee.received.length;
    c.caller.socket.send(rtp(21, 0xaaaa, 0xa1), callerTo, '127.0.0.1');
    await until(() => c.callee.received.length > before, 3_000, 'the last packet');
    const final = await relay.delete({ callId: c.callId });
    expect(rtpOf(final, 'caller')!.packets).toBe(21);
    expect(await relay.query(c.callId)).toBeUndefined();
    expect(await relay.delete({ callId: c.callId })).toBeUndefined();
  });

  it("a delete naming the call's one dialogue answers with its statistics and ends the whole call", async () => {
    const c = await call();
    const callerTo = mediaLine(c.answer).port;
    const calleeTo = mediaLine(c.offer).port;
    for (let seq = 1; seq <= 5; seq++) {
      c.caller.socket.send(rtp(seq, 0xaaaa, 0xa1), callerTo, '127.0.0.1');
      c.callee.socket.send(rtp(seq, 0xbbbb, 0xb2), calleeTo, '127.0.0.1');
      await sleep(20);
    }
    await until(() => c.caller.received.length >= 3 && c.callee.received.length >= 3, 3_000, 'relayed RTP');
    const final = await relay.delete({ callId: c.callId, fromTag: 'caller', toTag: 'callee' });
    const caller = final!.streams.find((x) => x.fromTag === 'caller' && x.component === 'rtp');
    expect(caller).toMatchObject({ packets: 5, bytes: 5 * 172, label: 'caller' });
    expect(final!.streams.find((x) => x.fromTag === 'callee' && x.component === 'rtp')?.packets).toBe(5);
    expect(await relay.query(c.callId)).toBeUndefined();
    expect(await relay.delete({ callId: c.callId, fromTag: 'caller', toTag: 'callee' })).toBeUndefined();
  });

  it('applies a codec policy: allow PCMA only (telephone-event kept), in both SDPs', async () => {
    const c = await call({ allow: ['PCMA'] });
    expect(mediaLine(c.offer).payloads).toEqual(['8', '101']);
    expect(c.offer).not.toContain('PCMU');
    await relay.delete({ callId: c.callId });
  });

  it('applies a codec policy: order PCMA first, strip nothing else', async () => {
    const c = await call({ order: ['PCMA'] });
    expect(mediaLine(c.offer).payloads).toEqual(['8', '0', '101']);
    await relay.delete({ callId: c.callId });
  });

  it('applies a codec policy: strip PCMU', async () => {
    const c = await call({ strip: ['PCMU'] });
    expect(mediaLine(c.offer).payloads).toEqual(['8', '101']);
    await relay.delete({ callId: c.callId });
  });

  it('an unknown call: query and delete resolve undefined', async () => {
    expect(await relay.query('no-such-call')).toBeUndefined();
    expect(await relay.delete({ callId: 'no-such-call' })).toBeUndefined();
  });
});
