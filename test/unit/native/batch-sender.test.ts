import { describe, expect, it } from 'vitest';
import { BatchSender, type NativeUdpModule, type SendOwner } from '../../../src/native/index.js';

const EAGAIN = 11;
const EMSGSIZE = 90;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for the native module's sendBatch: records each call, answers from `outcome`. */
function fakeNative(outcome: (data: Uint8Array, call: number) => number) {
  const calls: { fds: number[]; ports: number[]; addresses: string[]; sizes: number[] }[] = [];
  const native = {
    errno: { EAGAIN, EMSGSIZE, EBADF: 9 },
    sendBatch(count, buffers, addresses, meta, results) {
      const call = {
        fds: [] as number[],
        ports: [] as number[],
        addresses: [] as string[],
        sizes: [] as number[],
      };
      let sent = 0;
      for (let i = 0; i < count; i++) {
        call.fds.push(meta[i * 2]!);
        call.ports.push(meta[i * 2 + 1]!);
        call.addresses.push(addresses[i]!);
        call.sizes.push(buffers[i]!.length);
        results[i] = outcome(buffers[i]!, calls.length);
        if (results[i] === 0) sent++;
      }
      calls.push(call);
      return sent;
    },
  } as Partial<NativeUdpModule> as NativeUdpModule;
  return { native, calls };
}

function owner(fd: number) {
  const o = {
    fd,
    open: true as boolean,
    sent: 0,
    failed: [] as { errno: number; port: number; address: string }[],
    onSent() {
      o.sent++;
    },
    onSendFailed(errno: number, port: number, address: string) {
      o.failed.push({ errno, port, address });
    },
  } satisfies SendOwner & Record<string, unknown>;
  return o;
}

describe('BatchSender', () => {
  it('sends everything queued in one turn, from several sockets to several destinations, in one native call', async () => {
    const { native, calls } = fakeNative(() => 0);
    const sender = new BatchSender(native);
    const a = owner(10);
    const b = owner(11);
    for (let i = 0; i < 50; i++) sender.send(a, Buffer.alloc(10), 5000 + i, '192.0.2.1');
    sender.send(b, Buffer.alloc(20), 5060, '2001:db8::1');
    await Promise.resolve(); // microtasks of the turn do not flush
    expect(calls).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.fds).toEqual([...Array(50).fill(10), 11]);
    expect(calls[0]!.ports.slice(0, 3)).toEqual([5000, 5001, 5002]);
    expect(calls[0]!.addresses[50]).toBe('2001:db8::1');
    expect([a.sent, b.sent]).toEqual([50, 1]);
    expect([sender.flushes, sender.datagrams]).toEqual([1, 51]);
  });

  it('flushes at once when the queue is full', () => {
    const { native, calls } = fakeNative(() => 0);
    const sender = new BatchSender(native);
    const a = owner(3);
    for (let i = 0; i < 1025; i++) sender.send(a, Buffer.alloc(1), 1, '127.0.0.1');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.fds).toHaveLength(1024);
    sender.flush();
    expect(a.sent).toBe(1025);
  });

  it('reports each failed datagram to its owner and sends the others', () => {
    const { native } = fakeNative((data) => (data.length > 100 ? EMSGSIZE : 0));
    const sender = new BatchSender(native);
    const a = owner(3);
    sender.send(a, Buffer.alloc(10), 1, '127.0.0.1');
    sender.send(a, Buffer.alloc(1000), 2, '127.0.0.2');
    sender.send(a, Buffer.alloc(10), 3, '127.0.0.3');
    sender.flush();
    expect(a.sent).toBe(2);
    expect(a.failed).toEqual([{ errno: EMSGSIZE, port: 2, address: '127.0.0.2' }]);
  });

  it('retries datagrams that met a full send buffer, and sends them once there is room', async () => {
    // The first two calls find the buffer full.
    const { native, calls } = fakeNative((_data, call) => (call < 2 ? EAGAIN : 0));
    const sender = new BatchSender(native);
    const a = owner(3);
    sender.send(a, Buffer.alloc(10), 1, '127.0.0.1');
    sender.send(a, Buffer.alloc(10), 2, '127.0.0.1');
    sender.flush();
    expect(a.sent).toBe(0);
    await sleep(30);
    expect(calls).toHaveLength(3);
    expect(a.sent).toBe(2);
    expect(a.failed).toEqual([]);
    expect(sender.retried).toBe(4);
  });

  it('counts a datagram as failed with EAGAIN when the buffer stays full, never silently', async () => {
    const { native, calls } = fakeNative(() => EAGAIN);
    const sender = new BatchSender(native);
    const a = owner(3);
    sender.send(a, Buffer.alloc(10), 7, '127.0.0.1');
    sender.flush();
    await sleep(120);
    expect(calls).toHaveLength(6); // the first try and five retries
    expect(a.failed).toEqual([{ errno: EAGAIN, port: 7, address: '127.0.0.1' }]);
  });

  it('does not retry from a socket closed meanwhile (its descriptor number may be reused)', async () => {
    const { native, calls } = fakeNative(() => EAGAIN);
    const sender = new BatchSender(native);
    const a = owner(3);
    sender.send(a, Buffer.alloc(10), 7, '127.0.0.1');
    sender.flush();
    a.open = false;
    await sleep(20);
    expect(calls).toHaveLength(1);
    expect(a.failed).toHaveLength(1);
  });
});
