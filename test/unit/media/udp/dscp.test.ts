import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { bindBatchSocket } from '../../../../src/media/udp/batch-socket.js';
import { canSend, type DatagramSocket } from '../../../../src/media/udp/datagram-socket.js';
import {
  DGRAM_CANNOT_MARK,
  type RtpPortAllocation,
  RtpPortRange,
  tosOf,
} from '../../../../src/media/udp/index.js';
import { type NativeUdpModule, nativeUdpModule } from '../../../../src/native/index.js';
import { receiverKinds } from './receiver-kinds.js';

// media.dscp below the relay: the DS field asked of each socket, what happens where it cannot be
// set (node:dgram; a system answering EPERM), and the once-only report. The wire itself is
// checked in test/integration/builtin-relay-dscp.test.ts.

// A private corner of the port space for these tests.
const BASE = 47700;
const batch = receiverKinds().find((k) => k.kind === 'batch')!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const allocations: RtpPortAllocation[] = [];
const sockets: DatagramSocket[] = [];
const peers: Socket[] = [];

afterEach(async () => {
  await Promise.all(allocations.splice(0).map((a) => a.release()));
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  for (const p of peers.splice(0)) p.close();
});

async function peer(): Promise<Socket> {
  const socket = createSocket('udp4');
  peers.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

describe('DSCP to TOS', () => {
  it('puts the DSCP in the top six bits (RFC 2474 §3): EF 46 is TOS 184', () => {
    expect(tosOf(46)).toBe(184);
    expect(tosOf(0)).toBe(0);
    expect(tosOf(63)).toBe(252);
  });
});

describe('RtpPortRange dscp', () => {
  it('refuses a DSCP outside 0-63', () => {
    expect(() => new RtpPortRange({ min: BASE, max: BASE + 9, dscp: 184, receiver: 'dgram' })).toThrow(
      /invalid DSCP 184/,
    );
  });

  it('node:dgram sockets: every RTP and RTCP socket counted unmarked, the reason told once', async () => {
    const reasons: string[] = [];
    const range = new RtpPortRange({
      min: BASE,
      max: BASE + 9,
      address: '127.0.0.1',
      receiver: 'dgram',
      dscp: 46,
      onUnmarked: (reason) => reasons.push(reason),
    });
    for (let i = 0; i < 3; i++) allocations.push(await range.allocate());
    expect(range.unmarked).toBe(6);
    expect(reasons).toEqual([DGRAM_CANNOT_MARK]);
    expect(allocations[0]!.rtp.dscpFailure).toBe(DGRAM_CANNOT_MARK);
  });

  it('asks nothing of the sockets when no DSCP is set (0, the default)', async () => {
    const reasons: string[] = [];
    const range = new RtpPortRange({
      min: BASE,
      max: BASE + 9,
      address: '127.0.0.1',
      receiver: 'dgram',
      onUnmarked: (reason) => reasons.push(reason),
    });
    allocations.push(await range.allocate());
    expect(range.unmarked).toBe(0);
    expect(reasons).toEqual([]);
    expect(allocations[0]!.rtp.dscpFailure).toBeUndefined();
  });

  it.skipIf(batch.skip)(`native sockets (${batch.name}) are marked: none counted`, async () => {
    const reasons: string[] = [];
    const range = new RtpPortRange({
      min: BASE,
      max: BASE + 9,
      address: '127.0.0.1',
      receiver: 'batch',
      dscp: 46,
      onUnmarked: (reason) => reasons.push(reason),
    });
    allocations.push(await range.allocate());
    expect(range.unmarked).toBe(0);
    expect(reasons).toEqual([]);
  });
});

describe.skipIf(batch.skip)(`native socket the system refuses to mark (${batch.name})`, () => {
  const native = nativeUdpModule()!;

  it('EPERM from setsockopt: the socket says so and still sends and receives', async () => {
    const refusing: NativeUdpModule = { ...native, setTos: () => -(native.errno.EPERM ?? 1) };
    const socket = (await bindBatchSocket(refusing, BASE + 20, '127.0.0.1', undefined, 0, 184))!;
    sockets.push(socket);
    expect(socket.dscpFailure).toBe('setsockopt EPERM');
    const other = await peer();
    const heard: Buffer[] = [];
    other.on('message', (data) => heard.push(data));
    const got: Buffer[] = [];
    socket.listen((data) => got.push(Buffer.from(data)));
    if (!canSend(socket)) throw new Error('a batch socket sends');
    socket.send(Buffer.from('to the peer'), other.address().port, '127.0.0.1');
    other.send('to the socket', BASE + 20, '127.0.0.1');
    for (let i = 0; i < 200 && (heard.length === 0 || got.length === 0); i++) await sleep(5);
    expect(heard.map(String)).toEqual(['to the peer']);
    expect(got.map(String)).toEqual(['to the socket']);
  });

  it('a module built before setTos: the socket says to rebuild it', async () => {
    const { setTos: _gone, ...old } = native;
    const socket = (await bindBatchSocket(old, BASE + 22, '127.0.0.1', undefined, 0, 184))!;
    sockets.push(socket);
    expect(socket.dscpFailure).toMatch(/rebuild it: npm install/);
  });

  it('the native setTos: IPv4 and IPv6 sockets take it, a bad value or descriptor is an errno', () => {
    for (const address of ['127.0.0.1', '::1']) {
      const fd = native.bind(address, 0, 0);
      expect(fd).toBeGreaterThan(0);
      try {
        expect(native.setTos!(fd, 184)).toBe(0);
        expect(native.setTos!(fd, 256)).toBe(-(native.errno.EINVAL ?? 22));
      } finally {
        native.closeFd(fd);
      }
    }
    expect(native.setTos!(-1, 184)).toBe(-(native.errno.EBADF ?? 9));
  });
});
