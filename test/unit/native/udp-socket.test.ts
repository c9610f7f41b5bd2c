import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatIpv6,
  NativeBindError,
  NativeUdpSocket,
  nativeUdpModule,
  sharedReceiver,
  sharedSender,
} from '../../../src/native/index.js';
import { until } from '../../support/until.js';

const native = nativeUdpModule();
const missing = native === undefined && process.env.SWITCHBOARD_REQUIRE_PEERS !== '1';
const name = missing ? 'skipped: native module not built (npm install with make, g++, python3)' : 'built';
describe('formatIpv6 (RFC 5952)', () => {
  const text = (hex: string) => formatIpv6(Buffer.from(hex, 'hex'), 0);
  it('compresses the longest zero run, lowercase, no leading zeros', () => {
    expect(text('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(text('00000000000000000000000000000001')).toBe('::1');
    expect(text('00000000000000000000000000000000')).toBe('::');
    expect(text('20010db8000000010000000000000001')).toBe('2001:db8:0:1::1');
    expect(text('20010db8000100010001000100010001')).toBe('2001:db8:1:1:1:1:1:1');
    expect(text('fe800000000000000a0b0c0d0e0f0001')).toBe('fe80::a0b:c0d:e0f:1');
  });
  it('keeps IPv4-mapped addresses dotted', () => {
    expect(text('00000000000000000000ffffc0000201')).toBe('::ffff:192.0.2.1');
  });
});

describe.skipIf(missing)(`NativeUdpSocket (${name})`, () => {
  const open: NativeUdpSocket[] = [];
  const bind = (address: string, options: Partial<ConstructorParameters<typeof NativeUdpSocket>[1]> = {}) => {
    const s = new NativeUdpSocket(native!, { address, port: 0, ...options });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('sends a turn of datagrams to many destinations in one batch, each arriving with its sender', async () => {
    const from = bind('127.0.0.1');
    const receivers = Array.from({ length: 40 }, () => bind('127.0.0.1'));
    const got: string[] = [];
    for (const r of receivers)
      r.onDatagram((data, source) =>
        got.push(`${r.port} ${data.toString()} ${source.address()}:${source.port}`),
      );
    const sender = sharedSender(native!);
    const before = sender.flushes;
    for (const r of receivers)
      for (let k = 0; k < 5; k++) from.send(Buffer.from(`m${k}`), r.port, '127.0.0.1');
    await until(() => got.length === 200, 2000, 'the 200 datagrams');
    expect(sender.flushes - before).toBe(1);
    expect(from.sent).toBe(200);
    expect(got).toHaveLength(200);
    expect(got).toContain(`${receivers[7]!.port} m3 127.0.0.1:${from.port}`);
  });

  it('speaks IPv6, and a dual-stack socket sees IPv4 peers as mapped addresses', async () => {
    const v6 = bind('::1');
    const dual = bind('::', { v6only: false });
    const seen: string[] = [];
    dual.onDatagram((data, source) =>
      seen.push(`${data} ${source.family} ${source.address()} ${source.port}`),
    );
    v6.send(Buffer.from('six'), dual.port, '::1');
    const v4 = createSocket('udp4');
    await new Promise<void>((r) => v4.bind(0, '127.0.0.1', r));
    v4.send('four', dual.port, '127.0.0.1');
    await until(() => seen.length === 2, 2000, 'the IPv4 and the IPv6 datagram');
    const v4Port = v4.address().port;
    v4.close();
    expect(seen.sort()).toEqual([`four 6 ::ffff:127.0.0.1 ${v4Port}`, `six 6 ::1 ${v6.port}`].sort());
  });

  it('counts and reports each failed datagram (oversize, not an address, wrong family) and sends the rest', async () => {
    const from = bind('127.0.0.1');
    const to = bind('127.0.0.1');
    const failures: string[] = [];
    from.onSendFailure((error, port, address) => failures.push(`${error} ${address}:${port}`));
    let received = 0;
    to.onDatagram(() => received++);
    from.send(Buffer.alloc(70_000), to.port, '127.0.0.1');
    from.send(Buffer.from('ok'), to.port, '127.0.0.1');
    from.send(Buffer.from('x'), to.port, 'sip.example.com');
    from.send(Buffer.from('x'), to.port, '::1');
    from.send(Buffer.from('ok'), to.port, '127.0.0.1');
    await until(
      () => received === 2 && failures.length === 3,
      2000,
      'the two good datagrams and the three failures',
    );
    expect(received).toBe(2);
    expect(failures).toEqual([
      `EMSGSIZE 127.0.0.1:${to.port}`,
      `EINVAL sip.example.com:${to.port}`,
      `EAFNOSUPPORT ::1:${to.port}`,
    ]);
    expect(from.sendFailures).toBe(3);
    expect(Object.fromEntries(from.sendFailuresByError)).toEqual({ EMSGSIZE: 1, EINVAL: 1, EAFNOSUPPORT: 1 });
  });

  it('hands a datagram longer than the slot over cut, with its real length', async () => {
    const to = bind('127.0.0.1', { slotBytes: 100 });
    const from = bind('127.0.0.1');
    const got: [number, number][] = [];
    to.onDatagram((data, _source, truncated) => got.push([data.length, truncated]));
    from.send(Buffer.alloc(300, 7), to.port, '127.0.0.1');
    from.send(Buffer.alloc(100, 7), to.port, '127.0.0.1');
    from.send(Buffer.alloc(0), to.port, '127.0.0.1');
    await until(() => got.length === 3, 2000, 'the three datagrams');
    expect(got).toEqual([
      [100, 300],
      [100, 0],
      [0, 0],
    ]);
    expect(to.truncated).toBe(1);
  });

  it('reads at most perWakeup datagrams per wakeup, and sends what a batch answered right after it', async () => {
    const to = bind('127.0.0.1', { perWakeup: 4 });
    const from = bind('127.0.0.1');
    const answers: number[] = [];
    from.onDatagram((data) => answers.push(data[0]!));
    let reading = 0;
    const answeredBefore: number[] = [];
    to.onDatagram((data, source) => {
      // When the 5th datagram is read, the answers to the first 4 have left already.
      if (reading++ === 4) answeredBefore.push(sharedSender(native!).datagrams);
      to.send(data, source.port, source.address());
    });
    const receiver = sharedReceiver(native!, 0, 8192, 4);
    const batches = receiver.batches;
    const sentBefore = sharedSender(native!).datagrams;
    for (let i = 0; i < 20; i++) from.send(Buffer.from([i]), to.port, '127.0.0.1');
    await until(() => answers.length === 20, 2000, 'the 20 answers');
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(receiver.batches - batches).toBeGreaterThanOrEqual(5);
    expect(answeredBefore[0]! - sentBefore).toBe(20 + 4);
  });

  it('drops what was read for a closed socket, even when a new socket took its slot in the same batch', async () => {
    const old = bind('127.0.0.1');
    const from = bind('127.0.0.1');
    const got: string[] = [];
    old.onDatagram((data) => {
      got.push(`old ${data}`);
      void old.close();
      const next = bind('127.0.0.1');
      next.onDatagram((d) => got.push(`next ${d}`));
      from.send(Buffer.from('to next'), next.port, '127.0.0.1');
    });
    for (let i = 0; i < 5; i++) from.send(Buffer.from(`${i}`), old.port, '127.0.0.1');
    await until(() => got.includes('next to next'), 2000, "the new socket's datagram");
    expect(got).toEqual(['old 0', 'next to next']);
  });

  it('refuses a taken port with EADDRINUSE', () => {
    const a = bind('127.0.0.1');
    expect(() => bind('127.0.0.1', { port: a.port })).toThrow(NativeBindError);
    try {
      bind('127.0.0.1', { port: a.port });
    } catch (e) {
      expect((e as NativeBindError).code).toBe('EADDRINUSE');
    }
  });

  it('drops sends after close and counts them', async () => {
    const a = bind('127.0.0.1');
    await a.close();
    a.send(Buffer.from('late'), 9, '127.0.0.1');
    expect(Object.fromEntries(a.sendFailuresByError)).toEqual({ EBADF: 1 });
  });

  it('loads and works in worker threads alongside the main thread (context-aware module)', async () => {
    const module = fileURLToPath(new URL('../../../build/Release/batch_receiver.node', import.meta.url));
    // Each worker echoes through its own sockets and receiver, made by its own copy of the module.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const n = require(workerData.module);
      const a = n.bind('127.0.0.1', 0, 0), b = n.bind('127.0.0.1', 0, 0);
      const [h, meta] = n.createReceiver((data, count) => {
        n.destroyReceiver(h); n.closeFd(a); n.closeFd(b);
        parentPort.postMessage({ count, text: data.toString() });
      }, 0);
      n.add(h, b, 1);
      n.keepAlive(h, true);
      const results = new Int32Array(1);
      n.sendBatch(1, [Buffer.from('hello from ' + workerData.i)], ['127.0.0.1'], new Int32Array([a, n.localPort(b)]), results);
    `;
    const run = (i: number) =>
      new Promise<{ count: number; text: string }>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { module, i } });
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    const main = bind('127.0.0.1');
    let mainGot = '';
    main.onDatagram((data) => {
      mainGot = data.toString();
    });
    const results = await Promise.all([run(1), run(2)]);
    main.send(Buffer.from('main'), main.port, '127.0.0.1');
    await until(() => mainGot !== '', 2000, "the main thread's datagram");
    expect(results).toEqual([
      { count: 1, text: 'hello from 1' },
      { count: 1, text: 'hello from 2' },
    ]);
    expect(mainGot).toBe('main');
  });
});
