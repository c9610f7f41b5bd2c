import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { datagramBinder, type RtpPortAllocation, RtpPortRange } from '../../../../src/media/udp/index.js';
import { until } from '../../../support/until.js';
import { receiverKinds } from './receiver-kinds.js';

const batch = receiverKinds().find((k) => k.kind === 'batch')!;

describe('datagramBinder', () => {
  it('resolves dgram as asked, and auto to batch when the native module is built', () => {
    expect(datagramBinder('dgram').kind).toBe('dgram');
    expect(datagramBinder('auto').kind).toBe(batch.skip ? 'dgram' : 'batch');
  });
});

describe.skipIf(batch.skip)(`native batch receiver (${batch.name})`, () => {
  // A private corner of the port space: 300 RTP ports, no RTCP.
  const range = new RtpPortRange({
    min: 48000,
    max: 48599,
    address: '127.0.0.1',
    rtcp: false,
    receiver: 'batch',
  });
  const sender = createSocket('udp4');
  const allocations: RtpPortAllocation[] = [];

  afterAll(async () => {
    await Promise.all(allocations.map((a) => a.release()));
    sender.close();
  });

  it('hands every datagram of a burst over many sockets to the socket it arrived on', async () => {
    const got = new Map<number, number[]>();
    for (let i = 0; i < 300; i++) {
      const a = await range.allocate();
      allocations.push(a);
      got.set(a.port, []);
      a.rtp.listen((data) => got.get(a.port)!.push(data.readUInt32BE(0), data.readUInt32BE(4)));
    }
    await new Promise<void>((r) => sender.bind(0, '127.0.0.1', r));
    // 5 datagrams per socket, sent without waiting: they arrive in a few mixed batches.
    for (let round = 0; round < 5; round++) {
      for (const a of allocations) {
        const data = Buffer.alloc(8 + ((a.port + round) % 200));
        data.writeUInt32BE(a.port, 0);
        data.writeUInt32BE(round, 4);
        sender.send(data, a.port, '127.0.0.1');
      }
    }
    await until(
      () => [...got.values()].every((v) => v.length >= 10),
      3_000,
      'ten datagrams at every socket',
      10,
    );
    for (const [port, values] of got) {
      expect(values).toEqual([port, 0, port, 1, port, 2, port, 3, port, 4]);
    }
  });

  it('stops delivering to a socket closed in the middle of a batch, and keeps delivering to the rest', async () => {
    const [first, second] = allocations as [RtpPortAllocation, RtpPortAllocation];
    let toFirst = 0;
    let toSecond = 0;
    first.rtp.listen(() => {
      toFirst++;
      void first.release();
    });
    second.rtp.listen(() => toSecond++);
    for (let i = 0; i < 3; i++) {
      sender.send(Buffer.alloc(12), first.port, '127.0.0.1');
      sender.send(Buffer.alloc(12), second.port, '127.0.0.1');
    }
    await until(() => toSecond >= 3, 3_000, 'three datagrams at the second socket', 10);
    expect(toSecond).toBe(3);
    expect(toFirst).toBe(1);
  });
});
