import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport, type TcpTransportOptions } from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';
import { canBind, delay, Recorder, sipMessage } from './helpers.js';

const hasIpv6 = await canBind('::1');

/** A raw TCP peer that records what it receives and whether it was closed. */
class Peer {
  received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => (this.received = Buffer.concat([this.received, d])));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new Peer(socket)));
      socket.once('error', reject);
    });
  }

  until(test: (p: Peer) => boolean, ms = 2000): Promise<void> {
    return until(() => test(this), ms, 'the peer');
  }
}

describe('TcpTransport', () => {
  const open: TcpTransport[] = [];
  const peers: Peer[] = [];

  afterEach(async () => {
    for (const p of peers.splice(0)) p.socket.destroy();
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function start(
    options: Partial<TcpTransportOptions> = {},
    host = '127.0.0.1',
  ): Promise<[TcpTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new TcpTransport({ host, port: 0, handlers: recorder, ...options });
    open.push(t);
    await t.listen();
    return [t, recorder];
  }

  async function peer(t: TcpTransport): Promise<Peer> {
    const p = await Peer.connect(t.local.port, t.local.address);
    peers.push(p);
    return p;
  }

  it('frames a message split across writes and answers over its connection', async () => {
    const [t, rec] = await start();
    const p = await peer(t);
    const request = sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', 'hello there');
    p.socket.write(request.subarray(0, 10));
    await delay(10);
    p.socket.write(request.subarray(10, request.length - 3));
    await delay(10);
    p.socket.write(request.subarray(request.length - 3));
    await rec.until(() => rec.packets.length === 1);
    const packet = rec.packets[0]!;
    expect(packet.data).toEqual(request);
    expect(packet.source).toEqual({ protocol: 'tcp', address: '127.0.0.1', port: p.socket.localPort });
    expect(packet.local).toEqual(t.local);
    expect(packet.connectionId).toMatch(/^tcp-/);
    expect(t.hasConnection(packet.connectionId!)).toBe(true);

    const response = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    await t.send(response, packet.source, packet.connectionId);
    await p.until((x) => x.received.length === response.length);
    expect(p.received).toEqual(response);
  });

  it('reuses one connection per destination, both ways (RFC 3261 §18.1.1, §18.2.2)', async () => {
    const [a, aRec] = await start();
    const [b, bRec] = await start();
    const first = sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0');
    // Concurrent sends share a single connection attempt.
    await Promise.all([a.send(first, b.local), a.send(first, b.local)]);
    await a.send(first, b.local);
    await bRec.until(() => bRec.packets.length === 3);
    expect(a.connectionCount).toBe(1);
    expect(b.connectionCount).toBe(1);
    const ids = new Set(bRec.packets.map((p) => p.connectionId));
    expect(ids.size).toBe(1);

    // B answers by address alone: the inbound connection is reused, and A reads it on its outbound one.
    const source = bRec.packets[0]!.source;
    await b.send(Buffer.from('SIP/2.0 200 OK\r\nl: 0\r\n\r\n'), source);
    await aRec.until(() => aRec.packets.length === 1);
    expect(aRec.packets[0]!.source).toEqual({ protocol: 'tcp', address: '127.0.0.1', port: b.local.port });
    expect(b.connectionCount).toBe(1);
    expect(a.connectionCount).toBe(1);
  });

  it('falls back to the destination when the given connection is gone', async () => {
    const [a] = await start();
    const [b, bRec] = await start();
    await a.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'), b.local, 'tcp-unknown');
    await bRec.until(() => bRec.packets.length === 1);
  });

  it('closes only the connection with a framing error', async () => {
    const [t, rec] = await start();
    const bad = await peer(t);
    const good = await peer(t);
    bad.socket.write('OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nCall-ID: x\r\n\r\n'); // no Content-Length
    await rec.until(() => rec.drops.length === 1);
    expect(rec.drops[0]).toMatchObject({ reason: 'framing', detail: 'missing Content-Length' });
    expect(rec.drops[0]!.connectionId).toMatch(/^tcp-/);
    await bad.until((p) => p.closed);

    const request = sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0');
    good.socket.write(request);
    await rec.until(() => rec.packets.length === 1);
    expect(rec.packets[0]!.data).toEqual(request);
    expect(good.closed).toBe(false);
    expect(t.connectionCount).toBe(1);
  });

  it('lets a 513 out before closing a connection that sent an oversize message', async () => {
    const recorder = new Recorder();
    const t = new TcpTransport({ host: '127.0.0.1', port: 0, maxMessageSize: 2000 });
    open.push(t);
    t.attach({
      onPacket: (p) => recorder.onPacket(p),
      onDrop: (d) => {
        recorder.onDrop(d);
        void t.send(Buffer.from('SIP/2.0 513 Message Too Large\r\nl: 0\r\n\r\n'), d.source, d.connectionId);
      },
    });
    await t.listen();
    const p = await peer(t);
    p.socket.write(sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', 'x'.repeat(5000)));
    await p.until((x) => x.closed);
    expect(recorder.drops[0]?.reason).toBe('oversize');
    expect(recorder.drops[0]?.head?.toString()).toMatch(/^MESSAGE .*Content-Length: 5000\r\n\r\n$/s);
    expect(p.received.toString()).toMatch(/^SIP\/2.0 513 /);
  });

  it('answers a CRLFCRLF keep-alive ping with a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const [t, rec] = await start();
    const p = await peer(t);
    p.socket.write('\r\n\r\n');
    await p.until((x) => x.received.length === 2);
    expect(p.received.toString()).toBe('\r\n');
    p.socket.write('\r\n'); // a lone CRLF gets nothing back
    await delay(20);
    expect(p.received.length).toBe(2);
    expect(rec.drops).toEqual([]);
    expect(p.closed).toBe(false);
  });

  it('closes idle connections', async () => {
    const [t] = await start({ idleTimeout: 50 });
    const p = await peer(t);
    await p.until((x) => x.closed);
    expect(t.connectionCount).toBe(0);
  });

  it('refuses connections over the limit', async () => {
    const [t] = await start({ maxConnections: 1 });
    const first = await peer(t);
    const second = await peer(t);
    await second.until((x) => x.closed);
    expect(first.closed).toBe(false);
    // Counted when the kernel hands the socket over (SourceLimit), before the transport adopts it.
    expect(t.refused + t.sourceLimit.refused).toBe(1);
  });

  it('rejects a send when the destination refuses the connection', async () => {
    const [a] = await start();
    const [b] = await start();
    const port = b.local.port;
    await b.close();
    await expect(a.send(Buffer.from('x'), { protocol: 'tcp', address: '127.0.0.1', port })).rejects.toThrow();
    expect(a.connectionCount).toBe(0);
  });

  it('closes every connection on close()', async () => {
    const [t] = await start();
    const p = await peer(t);
    await delay(10);
    await t.close();
    await p.until((x) => x.closed);
    await expect(t.send(Buffer.from('x'), t.local)).rejects.toThrow(/closed/);
  });

  it.skipIf(!hasIpv6)('works over IPv6', async () => {
    const [a] = await start({}, '::1');
    const [b, bRec] = await start({}, '::1');
    await a.send(sipMessage('OPTIONS sip:b@[::1] SIP/2.0'), b.local);
    await bRec.until(() => bRec.packets.length === 1);
    expect(bRec.packets[0]!.source.address).toBe('::1');
  });
});
