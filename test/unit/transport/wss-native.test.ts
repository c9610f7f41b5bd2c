import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { nativeTlsModule } from '../../../src/native/index.js';
import { makeSelfSigned } from '../../../src/node-tls.js';
import {
  type TlsCredentials,
  WsTransport,
  type WsTransportOptions,
} from '../../../src/sip/transport/index.js';
import { NativeTlsSocket } from '../../../src/sip/transport/native-tls-socket.js';
import { Tls13Records } from '../../../src/sip/transport/tls13-records.js';
import { until } from '../../support/until.js';
import { Recorder, sipMessage } from './helpers.js';

// WSS on the native TLS engine: OpenSSL's handshake and our TLS 1.3 records under the HTTP
// server and `ws`, the same upgrade path as over node:tls.
let credentials: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key, ca: made.cert, engine: 'native' };
});

describe.skipIf(!nativeTlsModule())('WSS listener, native TLS engine', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(options: Partial<WsTransportOptions> = {}): Promise<[WsTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new WsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: recorder,
      tls: credentials,
      ...options,
    });
    closers.push(() => t.close());
    await t.listen();
    expect(t.engine).toBe('native');
    expect(t.protocol).toBe('wss');
    return [t, recorder];
  }

  function connect(port: number, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://localhost:${port}`, ['sip'], { ca: credentials.cert, ...options });
      closers.push(() => ws.terminate());
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }

  /** One SIP message each way; returns what the client received. */
  async function roundTrip(t: WsTransport, rec: Recorder, ws: WebSocket): Promise<string> {
    const got: string[] = [];
    ws.on('message', (data) => got.push(data.toString()));
    const before = rec.packets.length;
    ws.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0', 'z'.repeat(20_000)));
    await rec.until(() => rec.packets.length === before + 1, 3000);
    const packet = rec.packets[before]!;
    await t.send(
      Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'),
      packet.source,
      packet.connectionId,
    );
    await until(() => got.length === 1, 3000, 'the message at the client');
    return got[0]!;
  }

  it('carries SIP over TLS 1.3 in our record layer, with the client’s address and port and Via WSS', async () => {
    const sealed = vi.spyOn(Tls13Records.prototype, 'seal');
    const opened = vi.spyOn(Tls13Records.prototype, 'receive');
    const [t, rec] = await start();
    const ws = await connect(t.local.port);
    const client = (ws as unknown as { _socket: tls.TLSSocket })._socket;
    expect(client.getProtocol()).toBe('TLSv1.3');
    expect(await roundTrip(t, rec, ws)).toBe('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    // The upgrade's 101, the WebSocket frames both ways: all through Tls13Records, not node:tls.
    expect(sealed).toHaveBeenCalled();
    expect(opened).toHaveBeenCalled();
    const packet = rec.packets[0]!;
    expect(packet.source).toEqual({ protocol: 'wss', address: '127.0.0.1', port: client.localPort });
    expect(packet.local).toEqual({ protocol: 'wss', address: '127.0.0.1', port: t.local.port });
    expect(packet.connectionId).toMatch(/^wss-/);
    expect(t.connectionCount).toBe(1);
  });

  it('carries SIP over TLS 1.2 on the SSL object', async () => {
    const [t, rec] = await start();
    const ws = await connect(t.local.port, { maxVersion: 'TLSv1.2' });
    expect((ws as unknown as { _socket: tls.TLSSocket })._socket.getProtocol()).toBe('TLSv1.2');
    expect(await roundTrip(t, rec, ws)).toBe('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
  });

  it('hands the HTTP server a NativeTlsSocket and answers a plain request with 426', async () => {
    const accepted: unknown[] = [];
    const [t] = await start();
    const server = (t as unknown as { server: import('node:http').Server }).server;
    server.prependListener('connection', (s) => accepted.push(s));
    const answer = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: t.local.port,
        ca: credentials.cert,
        servername: 'localhost',
      });
      closers.push(() => s.destroy());
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
      s.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 426 /);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toBeInstanceOf(NativeTlsSocket);
  });

  it('counts failed handshakes, drops upgrades that stall, and closes idle connections', async () => {
    const [t, rec] = await start({ handshakeTimeout: 500, idleTimeout: 600 });
    // Garbage instead of a ClientHello.
    const garbage = net.connect(t.local.port, '127.0.0.1');
    closers.push(() => garbage.destroy());
    garbage.on('error', () => {});
    garbage.write('GET / HTTP/1.1\r\n\r\n');
    await until(() => t.handshakeFailures === 1, 3000, 'the failed handshake counted');
    // Half an HTTP request after the handshake: Node's request timeout still runs (checked each 500 ms).
    const stalled = tls.connect({
      host: '127.0.0.1',
      port: t.local.port,
      ca: credentials.cert,
      servername: 'localhost',
    });
    closers.push(() => stalled.destroy());
    stalled.on('error', () => {});
    let stalledClosed = false;
    stalled.on('close', () => (stalledClosed = true));
    stalled.on('secureConnect', () => stalled.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    await until(() => stalledClosed, 5000, 'the stalled upgrade closed');
    // An upgraded connection that stays silent goes after idleTimeout (the Duplex's setTimeout).
    const ws = await connect(t.local.port);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'));
    await rec.until(() => rec.packets.length === 1);
    await closed;
    await until(() => t.connectionCount === 0, 3000, 'the idle connection closed');
  }, 10_000);

  it('falls back to node:tls with tls.engine node', async () => {
    const rec = new Recorder();
    const t = new WsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: rec,
      tls: { ...credentials, engine: 'node' },
    });
    closers.push(() => t.close());
    await t.listen();
    expect(t.engine).toBe('node');
    const ws = await connect(t.local.port);
    expect(await roundTrip(t, rec, ws)).toBe('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
});
