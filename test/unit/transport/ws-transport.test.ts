import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nativeTlsModule } from '../../../src/native/index.js';
import { makeSelfSigned } from '../../../src/node-tls.js';
import {
  type TlsCredentials,
  WsTransport,
  type WsTransportOptions,
} from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';
import { delay, Recorder, sipMessage } from './helpers.js';

let credentials: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key };
});

/** A WebSocket client that records the messages it gets and whether they came as text. */
function connect(
  url: string,
  protocols: string[] = ['sip'],
  ca?: string | Buffer,
): Promise<{ ws: WebSocket; got: Array<{ data: string; binary: boolean }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, ca ? { ca } : {});
    const got: Array<{ data: string; binary: boolean }> = [];
    ws.on('message', (data, binary) => got.push({ data: data.toString(), binary }));
    ws.once('open', () => resolve({ ws, got }));
    ws.once('error', reject);
  });
}

describe('WsTransport (RFC 7118)', () => {
  const open: WsTransport[] = [];
  const clients: WebSocket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function start(options: Partial<WsTransportOptions> = {}): Promise<[WsTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new WsTransport({ host: '127.0.0.1', port: 0, handlers: recorder, ...options });
    open.push(t);
    await t.listen();
    return [t, recorder];
  }

  it('takes one SIP message per WebSocket message and answers over the same connection in a text frame', async () => {
    const [t, rec] = await start();
    expect(t.protocol).toBe('ws');
    const c = await connect(`ws://127.0.0.1:${t.local.port}`);
    clients.push(c.ws);
    expect(c.ws.protocol).toBe('sip');
    // No Content-Length needed: the WebSocket message delimits the SIP message (RFC 7118 §5).
    const request = 'OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\n\r\n';
    c.ws.send(request);
    c.ws.send(sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', 'hi'));
    await rec.until(() => rec.packets.length === 2);
    const packet = rec.packets[0]!;
    expect(packet.data.toString()).toBe(request);
    expect(packet.source.protocol).toBe('ws');
    expect(packet.connectionId).toMatch(/^ws-/);
    expect(rec.packets[1]!.connectionId).toBe(packet.connectionId);
    expect(t.connectionCount).toBe(1);
    await t.send(
      Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'),
      packet.source,
      packet.connectionId,
    );
    // By address alone too (the location's binding source), for an INVITE to a registered browser.
    await t.send(Buffer.from('INVITE sip:x@y.invalid;transport=ws SIP/2.0\r\n\r\n'), packet.source);
    await until(() => c.got.length === 2, 2000, 'both answers at the client');
    expect(c.got[0]).toEqual({ data: 'SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n', binary: false });
  });

  it('refuses a client that does not offer the sip subprotocol', async () => {
    const [t] = await start();
    await expect(connect(`ws://127.0.0.1:${t.local.port}`, ['chat'])).rejects.toThrow(/400/);
    await expect(connect(`ws://127.0.0.1:${t.local.port}`, [])).rejects.toThrow(/400/);
    expect(t.refused).toBe(2);
    expect(t.connectionCount).toBe(0);
  });

  it('closes a connection that sends a message over the size limit, reporting it', async () => {
    const [t, rec] = await start({ maxMessageSize: 1024 });
    const c = await connect(`ws://127.0.0.1:${t.local.port}`);
    clients.push(c.ws);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send('x'.repeat(2000));
    expect(await closed).toBe(1009);
    await rec.until(() => rec.drops.length === 1);
    expect(rec.drops[0]!.reason).toBe('oversize');
    expect(rec.packets).toHaveLength(0);
    await until(() => t.connectionCount === 0, 2000, 'the connection closed');
  });

  it('fails a send to a client that has gone (the server never opens WebSocket connections)', async () => {
    const [t] = await start();
    await expect(t.send(Buffer.from('x'), { protocol: 'ws', address: '127.0.0.1', port: 1 })).rejects.toThrow(
      /no WS connection/,
    );
  });

  it('keeps no upgrade request for the life of a connection (its headers are garbage once upgraded)', async () => {
    const [t] = await start();
    let collected = 0;
    const requests = new FinalizationRegistry<number>(() => collected++);
    const server = (t as unknown as { webSockets: import('ws').WebSocketServer }).webSockets;
    server.on('headers', (_headers, request) => requests.register(request, 0));
    for (let i = 0; i < 20; i++) clients.push((await connect(`ws://127.0.0.1:${t.local.port}`)).ws);
    expect(t.connectionCount).toBe(20);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    for (let i = 0; i < 10 && collected < 20; i++) {
      gc();
      await delay(20);
    }
    expect(collected).toBe(20);
  });

  // Both TLS engines: node:tls, and OpenSSL's handshake with our TLS 1.3 record layer (when built).
  it.each(nativeTlsModule() ? (['node', 'native'] as const) : (['node'] as const))(
    'serves WSS with the TLS certificate (%s engine)',
    async (engine) => {
      const [t, rec] = await start({ tls: { ...credentials, engine } });
      expect(t.protocol).toBe('wss');
      expect(t.engine).toBe(engine);
      const c = await connect(`wss://localhost:${t.local.port}`, ['sip'], credentials.cert);
      clients.push(c.ws);
      c.ws.send('OPTIONS sip:b@127.0.0.1 SIP/2.0\r\n\r\n');
      await rec.until(() => rec.packets.length === 1);
      expect(rec.packets[0]!.source.protocol).toBe('wss');
      expect(rec.packets[0]!.local).toEqual({ protocol: 'wss', address: '127.0.0.1', port: t.local.port });
    },
  );
});
