import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeSelfSigned } from '../../../src/node-tls.js';
import {
  TcpTransport,
  type TlsCredentials,
  TlsTransport,
  WsTransport,
} from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';
import { delay, Recorder, sipMessage } from './helpers.js';

// Bad input on the stream listeners (issue 11): handshakes that stall or send garbage, connections
// by the hundred that never finish a message, WebSocket messages fragmented forever. Each abuser's
// sockets are bounded in number (per source), in time (handshake and idle timeouts) and in
// memory (message and header size limits), and a well-behaved client from another address is
// served while the abuse goes on. Abusers send from 127.0.0.1, the good client from 127.0.0.2.

let credentials: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key, ca: made.cert };
});

/** `n` raw TCP sockets from 127.0.0.1, each writing `first` once connected; resolves when all are connected. */
async function rawSockets(port: number, n: number, first: Buffer | string): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(50, n - i) },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' }, () => {
              if (first.length > 0) s.write(first);
              resolve(s);
            });
            s.on('error', () => resolve(s));
          }),
      ),
    );
    sockets.push(...batch);
  }
  return sockets;
}

const closedCount = (sockets: net.Socket[]) => sockets.filter((s) => s.destroyed || s.closed).length;

describe('stream listeners under abuse', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const track = (sockets: net.Socket[]) =>
    closers.push(() => {
      for (const s of sockets) s.destroy();
    });

  /** A good TLS client from 127.0.0.2: its OPTIONS must arrive while the abuse goes on. */
  async function goodTlsOptions(t: TlsTransport, rec: Recorder): Promise<void> {
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      // tls.connect passes socket options (localAddress) on; its types omit them.
      const options: tls.ConnectionOptions & { localAddress: string } = {
        host: '127.0.0.1',
        port: t.local.port,
        localAddress: '127.0.0.2',
        ca: credentials.cert,
        servername: 'localhost',
      };
      const s = tls.connect(options, () => resolve(s));
      s.once('error', reject);
    });
    closers.push(() => socket.destroy());
    const before = rec.packets.length;
    socket.write(sipMessage('OPTIONS sip:node@127.0.0.1 SIP/2.0'));
    await rec.until(() => rec.packets.slice(before).some((p) => p.source.address === '127.0.0.2'));
  }

  it('TLS handshakes that stall are closed after the handshake timeout; a good client is served meanwhile', async () => {
    const rec = new Recorder();
    const t = new TlsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: rec,
      tls: credentials,
      connectTimeout: 500,
    });
    closers.push(() => t.close());
    await t.listen();
    // Half a TLS record header, then nothing; and sockets that never send a byte.
    const stalled = [
      ...(await rawSockets(t.local.port, 200, Buffer.from([0x16, 0x03]))),
      ...(await rawSockets(t.local.port, 200, '')),
    ];
    track(stalled);
    await goodTlsOptions(t, rec);
    expect(closedCount(stalled)).toBeLessThan(stalled.length);
    await until(() => closedCount(stalled) === stalled.length, 5000, 'the stalled handshakes closed');
    expect(t.handshakeFailures).toBeGreaterThanOrEqual(400);
    expect(t.connectionCount).toBe(1); // the good client only
  });

  it('TLS garbage fails the handshake at once and never becomes a connection', async () => {
    const rec = new Recorder();
    const t = new TlsTransport({ host: '127.0.0.1', port: 0, handlers: rec, tls: credentials });
    closers.push(() => t.close());
    await t.listen();
    const garbage = await rawSockets(
      t.local.port,
      300,
      `OPTIONS sip:x SIP/2.0\r\n${'\u0000\u00ff'.repeat(200)}`,
    );
    track(garbage);
    await goodTlsOptions(t, rec);
    await until(() => closedCount(garbage) === garbage.length, 5000, 'the garbage handshakes closed');
    expect(t.handshakeFailures).toBeGreaterThanOrEqual(300);
    expect(rec.packets.every((p) => p.source.address === '127.0.0.2')).toBe(true);
  });

  it('one source gets its share of sockets, no more; others still get in', async () => {
    const rec = new Recorder();
    const t = new TlsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: rec,
      tls: credentials,
      maxConnectionsPerSource: 100,
    });
    closers.push(() => t.close());
    await t.listen();
    const flood = await rawSockets(t.local.port, 400, '');
    track(flood);
    await until(() => t.sourceLimit.refused >= 300, 5000, "300 sockets over the source's share refused");
    expect(t.sourceLimit.heldBy('127.0.0.1')).toBe(100);
    await until(() => closedCount(flood) >= 300, 5000, '300 flooding sockets closed');
    await goodTlsOptions(t, rec);
  });

  it('TCP connections by the hundred that never finish a message hold at most a header section each, and go when idle', async () => {
    const rec = new Recorder();
    const t = new TcpTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: rec,
      idleTimeout: 700,
      maxHeaderSize: 2048,
    });
    closers.push(() => t.close());
    await t.listen();
    const partial = 'OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKx\r\n';
    const halfOpen = await rawSockets(t.local.port, 400, partial);
    track(halfOpen);
    // One of them keeps writing header lines: past maxHeaderSize its connection is dropped.
    const greedy = halfOpen[0]!;
    for (let i = 0; i < 40 && !greedy.destroyed; i++) greedy.write(`X-Pad-${i}: ${'a'.repeat(100)}\r\n`);
    await rec.until(() => rec.drops.some((d) => d.reason === 'framing' || d.reason === 'oversize'));
    // A good client from another address is served while the others hang.
    const good = net.connect({ host: '127.0.0.1', port: t.local.port, localAddress: '127.0.0.2' });
    closers.push(() => good.destroy());
    good.write(sipMessage('OPTIONS sip:node@127.0.0.1 SIP/2.0'));
    await rec.until(() => rec.packets.some((p) => p.source.address === '127.0.0.2'));
    expect(rec.packets.filter((p) => p.source.address === '127.0.0.1')).toEqual([]);
    // Bounded in time: the idle timeout closes every one of them.
    await until(() => closedCount(halfOpen) === halfOpen.length, 5000, 'the half-open connections closed');
    await until(() => t.connectionCount === 0, 5000, 'every connection forgotten');
  });

  it('a WebSocket message fragmented forever is cut at the message size limit (1009)', async () => {
    const rec = new Recorder();
    const t = new WsTransport({ host: '127.0.0.1', port: 0, handlers: rec, maxMessageSize: 8192 });
    closers.push(() => t.close());
    await t.listen();
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const c = new WebSocket(`ws://127.0.0.1:${t.local.port}`, ['sip']);
      c.once('open', () => resolve(c));
      c.once('error', reject);
    });
    closers.push(() => ws.terminate());
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // Continuation frames without FIN, 512 octets each, for as long as the server takes them.
    for (let i = 0; i < 64 && ws.readyState === WebSocket.OPEN; i++) {
      ws.send('x'.repeat(512), { fin: false });
      await delay(2);
    }
    expect(await closed).toBe(1009);
    await rec.until(() => rec.drops.some((d) => d.reason === 'oversize'));
    expect(rec.packets).toEqual([]);
    await until(() => t.connectionCount === 0, 5000, 'the fragmenting connection closed');
  });

  it('WebSocket upgrades that stall, and sockets beyond a source’s share, are dropped', async () => {
    const rec = new Recorder();
    const t = new WsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: rec,
      handshakeTimeout: 500,
      maxConnectionsPerSource: 100,
    });
    closers.push(() => t.close());
    await t.listen();
    // Half an HTTP request each, never finished.
    const stalled = await rawSockets(t.local.port, 200, 'GET / HTTP/1.1\r\nHost: x\r\n');
    track(stalled);
    await until(() => t.sourceLimit.refused >= 100, 5000, "100 sockets over the source's share refused");
    const good = await new Promise<WebSocket>((resolve, reject) => {
      const c = new WebSocket(`ws://127.0.0.1:${t.local.port}`, ['sip'], { localAddress: '127.0.0.2' });
      c.once('open', () => resolve(c));
      c.once('error', reject);
    });
    closers.push(() => good.terminate());
    good.send(sipMessage('OPTIONS sip:node@127.0.0.1 SIP/2.0'));
    await rec.until(() => rec.packets.some((p) => p.source.address === '127.0.0.2'));
    // Node's HTTP server checks request timeouts on an interval (up to a few seconds late).
    await until(() => closedCount(stalled) === stalled.length, 10_000, 'the stalled upgrades closed');
  }, 15_000);
});
