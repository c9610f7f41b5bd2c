import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedPacket } from '../../../../src/media/udp/index.js';
import {
  LegReceiver,
  type LegReceiverOptions,
  type MediaTimeoutEvent,
  RtpPortRange,
  SharedTicker,
} from '../../../../src/media/udp/index.js';
import { until } from '../../../support/until.js';
import { receiverKinds } from './receiver-kinds.js';

let range: RtpPortRange;
const ticker = new SharedTicker(20);
const open: LegReceiver[] = [];
const senders: Socket[] = [];

async function receiver(options: Partial<LegReceiverOptions> = {}) {
  const packets: RecordedPacket[] = [];
  const timeouts: MediaTimeoutEvent[] = [];
  const leg = await LegReceiver.open(range, {
    leg: 1,
    onPacket: (p) => packets.push(p),
    onMediaTimeout: (e) => timeouts.push(e),
    ticker,
    ...options,
  });
  open.push(leg);
  return { leg, packets, timeouts };
}

async function sender(): Promise<Socket> {
  const socket = createSocket('udp4');
  senders.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function rtp(seq: number, fill = 0xaa, length = 172): Buffer {
  const packet = Buffer.alloc(length, fill);
  packet[0] = 0x80; // V=2
  packet[1] = 0;
  packet.writeUInt16BE(seq, 2);
  return packet;
}

function send(socket: Socket, packet: Buffer, port: number): Promise<void> {
  return new Promise((resolve) => socket.send(packet, port, '127.0.0.1', () => resolve()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
  await Promise.all(senders.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

for (const { kind, name, skip } of receiverKinds()) {
  describe.skipIf(skip)(`LegReceiver (${name})`, () => {
    beforeAll(() => {
      range = new RtpPortRange({ min: 47420, max: 47459, address: '127.0.0.1', receiver: kind });
    });

    it('delivers each RTP datagram unmodified as a RecordedPacket with its leg and arrival time', async () => {
      const { leg, packets } = await receiver();
      const a = await sender();
      const before = Date.now();
      for (let seq = 0; seq < 5; seq++) await send(a, rtp(seq), leg.port);
      await until(() => packets.length === 5, 2_000, 'the five datagrams');
      expect(packets.map((p) => p.data.readUInt16BE(2))).toEqual([0, 1, 2, 3, 4]);
      expect(packets[0]!.data).toEqual(rtp(0));
      expect(packets.every((p) => p.leg === 1)).toBe(true);
      expect(packets[0]!.arrivalMs).toBeGreaterThanOrEqual(before - 5);
      expect(packets[0]!.arrivalMs).toBeLessThanOrEqual(Date.now() + 5);
      expect(leg.source).toEqual({ address: '127.0.0.1', port: a.address().port });
      expect(leg.counters).toMatchObject({
        received: 5,
        bytes: 5 * 172,
        droppedSource: 0,
        droppedMalformed: 0,
      });
    });

    it('drops and counts what is obviously not RTP', async () => {
      const { leg, packets } = await receiver();
      const a = await sender();
      await send(a, Buffer.alloc(11, 0x80), leg.port); // shorter than the fixed header
      const v1 = rtp(1);
      v1[0] = 0x40; // version 1
      await send(a, v1, leg.port);
      await send(a, Buffer.from('hello world, not rtp'), leg.port);
      await send(a, rtp(2, 0xaa, 12), leg.port); // a bare header is fine
      await until(() => packets.length === 1, 2_000, 'the one RTP packet');
      await until(() => leg.counters.droppedMalformed === 3, 2_000, 'three malformed datagrams counted');
      expect(leg.counters.received).toBe(1);
    });

    it('latches onto the first source and drops others while it is active', async () => {
      const { leg, packets } = await receiver({ relatchAfterMs: 10_000 });
      const a = await sender();
      const b = await sender();
      await send(a, rtp(1, 0x01), leg.port);
      await until(() => packets.length === 1, 2_000, 'the first packet');
      await send(b, rtp(2, 0x02), leg.port);
      await send(a, rtp(3, 0x01), leg.port);
      await until(() => packets.length === 2, 2_000, 'the second packet from the latched source');
      await until(() => leg.counters.droppedSource === 1, 2_000, "the other source's packet dropped");
      expect(packets.map((p) => p.data[12])).toEqual([0x01, 0x01]);
    });

    it('re-latches to a new source once the latched one has been silent long enough', async () => {
      const { leg, packets } = await receiver({ relatchAfterMs: 80 });
      const a = await sender();
      const b = await sender();
      await send(a, rtp(1, 0x01), leg.port);
      await until(() => packets.length === 1, 2_000, 'the first packet');
      await sleep(120);
      await send(b, rtp(2, 0x02), leg.port);
      await until(() => packets.length === 2, 2_000, 'the packet from the new source');
      await send(a, rtp(3, 0x01), leg.port); // the old source is now the stranger
      await until(() => leg.counters.droppedSource === 1, 2_000, "the old source's packet dropped");
      expect(leg.source?.port).toBe(b.address().port);
      expect(leg.counters.relatched).toBe(1);
      expect(packets.map((p) => p.data[12])).toEqual([0x01, 0x02]);
    });

    it('fires the media timeout once per silence after the first packet, and re-arms', async () => {
      const { leg, packets, timeouts } = await receiver({
        mediaTimeoutMs: 100,
        firstPacketTimeoutMs: 60_000,
      });
      const a = await sender();
      await send(a, rtp(1), leg.port);
      await until(() => packets.length === 1, 2_000, 'the first packet');
      await until(() => timeouts.length === 1, 2_000, 'the first media timeout');
      expect(timeouts[0]).toMatchObject({ leg: 1, beforeFirstPacket: false });
      expect(timeouts[0]!.silentMs).toBeGreaterThanOrEqual(100);
      await sleep(150);
      expect(timeouts).toHaveLength(1);
      await send(a, rtp(2), leg.port);
      await until(() => timeouts.length === 2, 2_000, 'the second media timeout');
    });

    it('fires the longer first-packet timeout when nothing ever arrives', async () => {
      const started = Date.now();
      const { timeouts } = await receiver({ mediaTimeoutMs: 20, firstPacketTimeoutMs: 150 });
      await until(() => timeouts.length === 1, 2_000, 'the first-packet timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(timeouts[0]).toMatchObject({ leg: 1, beforeFirstPacket: true });
    });

    it('counts a datagram too large for the receiver as malformed instead of cutting it', async () => {
      const { leg, packets } = await receiver();
      const a = await sender();
      // The batch receiver keeps datagrams up to 8 KiB whole; node:dgram takes any size.
      await send(a, rtp(1, 0xaa, 9000), leg.port);
      await send(a, rtp(2), leg.port);
      await until(
        () => packets.some((p) => p.data.readUInt16BE(2) === 2),
        2_000,
        'the packet after the oversized one',
      );
      if (kind === 'batch') {
        expect(packets).toHaveLength(1);
        expect(leg.counters.droppedMalformed).toBe(1);
      } else {
        expect(packets.map((p) => p.data.length)).toEqual([9000, 172]);
      }
    });

    it('receives over IPv6 and names the latched source', async () => {
      const v6 = new RtpPortRange({ min: 47460, max: 47463, address: '::1', receiver: kind });
      const leg = await LegReceiver.open(v6, { leg: 2, onPacket: () => {}, ticker });
      open.push(leg);
      const a = createSocket('udp6');
      senders.push(a);
      await new Promise<void>((resolve) => a.bind(0, '::1', resolve));
      await new Promise<void>((resolve) => a.send(rtp(1), leg.port, '::1', () => resolve()));
      await until(() => leg.counters.received === 1, 2_000, 'the IPv6 packet');
      expect(leg.source).toEqual({ address: '::1', port: a.address().port });
    });

    it('counts RTCP on port+1 without delivering it', async () => {
      const { leg, packets } = await receiver();
      const a = await sender();
      expect(leg.rtcpPort).toBe(leg.port + 1);
      await send(a, Buffer.from([0x81, 200, 0, 6, ...Buffer.alloc(24)]), leg.rtcpPort!);
      await until(() => leg.counters.rtcpReceived === 1, 2_000, 'the RTCP packet counted');
      expect(leg.counters.rtcpBytes).toBe(28);
      expect(packets).toHaveLength(0);
    });

    it('survives a consumer that throws, counting it', async () => {
      const { leg } = await receiver({
        onPacket: () => {
          throw new Error('consumer bug');
        },
      });
      const a = await sender();
      await send(a, rtp(1), leg.port);
      await send(a, rtp(2), leg.port);
      await until(() => leg.counters.consumerErrors === 2, 2_000, 'two consumer errors counted');
      expect(leg.counters.received).toBe(2);
    });

    it('close() releases the ports, leaves the ticker, and stops timeouts', async () => {
      const { leg, timeouts } = await receiver({ firstPacketTimeoutMs: 60 });
      const port = leg.port;
      const members = ticker.size;
      await leg.close();
      await leg.close();
      expect(leg.closed).toBe(true);
      expect(ticker.size).toBe(members - 1);
      await sleep(120);
      expect(timeouts).toHaveLength(0);
      const probe = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((r) => probe.close(() => r()));
    });
  });
}
