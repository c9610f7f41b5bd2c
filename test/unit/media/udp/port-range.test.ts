import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type RtpPortAllocation,
  RtpPortRange,
  RtpPortRangeExhaustedError,
} from '../../../../src/media/udp/index.js';
import { receiverKinds } from './receiver-kinds.js';

// A private corner of the port space for these tests (interop tests use 41000-41999).
const BASE = 47400;

const held: Socket[] = [];
const allocations: RtpPortAllocation[] = [];

function occupy(port: number): Promise<void> {
  const socket = createSocket('udp4');
  held.push(socket);
  return new Promise((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
}

async function take(range: RtpPortRange): Promise<RtpPortAllocation> {
  const allocation = await range.allocate();
  allocations.push(allocation);
  return allocation;
}

afterEach(async () => {
  await Promise.all(allocations.splice(0).map((a) => a.release()));
  await Promise.all(held.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

for (const { kind, name, skip } of receiverKinds()) {
  describe.skipIf(skip)(`RtpPortRange (${name})`, () => {
    it('binds an even RTP port and RTCP on the next one', async () => {
      const range = new RtpPortRange({ min: BASE + 1, max: BASE + 9, address: '127.0.0.1', receiver: kind });
      expect(range.min).toBe(BASE + 2);
      expect(range.capacity).toBe(4); // 47402, 47404, 47406, 47408 (RTCP up to 47409)
      const a = await take(range);
      expect(a.port).toBe(BASE + 2);
      expect(a.rtp.port).toBe(BASE + 2);
      expect(a.rtcp?.port).toBe(BASE + 3);
      expect(range.allocated).toBe(1);
    });

    it('skips ports another socket holds, RTP or RTCP', async () => {
      await occupy(BASE);
      await occupy(BASE + 3);
      const range = new RtpPortRange({ min: BASE, max: BASE + 9, address: '127.0.0.1', receiver: kind });
      const a = await take(range);
      expect(a.port).toBe(BASE + 4);
    });

    it('walks the range round-robin and never hands out a port twice, even concurrently', async () => {
      const range = new RtpPortRange({ min: BASE, max: BASE + 11, address: '127.0.0.1', receiver: kind });
      const all = await Promise.all([take(range), take(range), take(range)]);
      expect(new Set(all.map((a) => a.port)).size).toBe(3);
      await all[0]!.release();
      // the released port is reused last
      expect((await take(range)).port).toBe(BASE + 6);
    });

    it('throws RtpPortRangeExhaustedError when full, and recovers after a release', async () => {
      const range = new RtpPortRange({
        min: BASE + 10,
        max: BASE + 13,
        address: '127.0.0.1',
        receiver: kind,
      });
      const first = await take(range);
      await take(range);
      await expect(range.allocate()).rejects.toBeInstanceOf(RtpPortRangeExhaustedError);
      await expect(range.allocate()).rejects.toThrow(`no free RTP port in ${BASE + 10}-${BASE + 13}`);
      await first.release();
      await first.release(); // idempotent
      expect(range.allocated).toBe(1);
      expect((await take(range)).port).toBe(BASE + 10);
    });

    it('allocates RTP alone when rtcp is off', async () => {
      const range = new RtpPortRange({
        min: BASE + 14,
        max: BASE + 14,
        address: '127.0.0.1',
        rtcp: false,
        receiver: kind,
      });
      const a = await take(range);
      expect(a.port).toBe(BASE + 14);
      expect(a.rtcp).toBeUndefined();
    });

    it('rejects an invalid or empty range', () => {
      expect(() => new RtpPortRange({ min: 0, max: 10, receiver: kind })).toThrow(RangeError);
      expect(() => new RtpPortRange({ min: 100, max: 70000, receiver: kind })).toThrow(RangeError);
      expect(() => new RtpPortRange({ min: BASE + 2, max: BASE + 2, receiver: kind })).toThrow(/empty/);
    });
  });
}
