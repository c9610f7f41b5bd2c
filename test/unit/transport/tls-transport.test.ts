import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeTlsModule } from '../../../src/native/index.js';
import { makeSelfSigned } from '../../../src/node-tls.js';
import { type TlsCredentials, TlsTransport } from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';
import { Recorder, sipMessage } from './helpers.js';

let credentials: TlsCredentials;

beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key, ca: made.cert, verifyServer: true };
});

/** A raw TLS client that records what it receives. */
async function client(
  port: number,
  options: tls.ConnectionOptions = {},
): Promise<{ socket: tls.TLSSocket; received: () => Buffer }> {
  let received = Buffer.alloc(0);
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(
      { host: '127.0.0.1', port, ca: credentials.cert, servername: 'localhost', ...options },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  socket.on('data', (d) => (received = Buffer.concat([received, d])));
  socket.on('error', () => {});
  return { socket, received: () => received };
}

// Both server engines: node:tls, and OpenSSL's handshake with our TLS 1.3 record layer (when built).
const engines = nativeTlsModule() ? (['node', 'native'] as const) : (['node'] as const);

describe.each(engines)('TlsTransport (%s engine)', (engine) => {
  const open: TlsTransport[] = [];
  const sockets: tls.TLSSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function start(extra: Partial<TlsCredentials> = {}): Promise<[TlsTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new TlsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: recorder,
      tls: { ...credentials, engine, ...extra },
    });
    expect(t.engine).toBe(engine);
    open.push(t);
    await t.listen();
    return [t, recorder];
  }

  it('frames SIP over TLS, answers over the connection and pongs a CRLF ping', async () => {
    const [t, rec] = await start();
    const c = await client(t.local.port);
    sockets.push(c.socket);
    const request = sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0');
    c.socket.write(request);
    await rec.until(() => rec.packets.length === 1);
    const packet = rec.packets[0]!;
    expect(packet.source.protocol).toBe('tls');
    expect(packet.local).toEqual({ protocol: 'tls', address: '127.0.0.1', port: t.local.port });
    expect(packet.connectionId).toMatch(/^tls-/);
    const response = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    await t.send(response, packet.source, packet.connectionId);
    await until(() => c.received().length === response.length, 2000, 'the response at the client');
    // RFC 5626 §3.5.1 over TLS too.
    c.socket.write('\r\n\r\n');
    await until(
      () => c.received().length === response.length + 2,
      2000,
      'the response and the CRLF pong at the client',
    );
    expect(c.received().subarray(response.length).toString()).toBe('\r\n');
    expect(t.connectionCount).toBe(1);
  });

  it('refuses TLS 1.1 (RFC 8996) and counts the failed handshake', async () => {
    const [t] = await start();
    await expect(client(t.local.port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
    await until(() => t.handshakeFailures === 1, 2000, 'the failed handshake counted');
    expect(t.connectionCount).toBe(0);
  });

  it('opens verified TLS connections to another node and reuses them both ways', async () => {
    const [a, aRec] = await start();
    const [b, bRec] = await start();
    await a.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'), b.local);
    await bRec.until(() => bRec.packets.length === 1);
    await b.send(Buffer.from('SIP/2.0 200 OK\r\nl: 0\r\n\r\n'), bRec.packets[0]!.source);
    await aRec.until(() => aRec.packets.length === 1);
    expect(a.connectionCount).toBe(1);
    expect(b.connectionCount).toBe(1);
  });

  it('fails a send to a server whose certificate it cannot verify', async () => {
    const [a] = await start({ ca: undefined });
    const [b] = await start();
    await expect(a.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'), b.local)).rejects.toThrow(
      /self.signed|certificate/i,
    );
    expect(a.connectionCount).toBe(0);
  });

  it('reuses the connection a peer opened for its Via alias sent-by (RFC 5923 §5)', async () => {
    const [t, rec] = await start();
    const c = await client(t.local.port);
    sockets.push(c.socket);
    c.socket.write(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'));
    await rec.until(() => rec.packets.length === 1);
    const { connectionId } = rec.packets[0]!;
    // The peer says it listens on 127.0.0.1:5999 (its Via sent-by): only the alias makes that address
    // reach it (nothing is opened towards 5999 while the alias holds).
    t.alias(connectionId!, '127.0.0.1', 5999);
    const request = sipMessage('OPTIONS sip:peer@127.0.0.1:5999 SIP/2.0');
    await t.send(request, { protocol: 'tls', address: '127.0.0.1', port: 5999 });
    await until(() => c.received().length === request.length, 2000, 'the request at the peer');
    expect(t.connectionCount).toBe(1);
    // The alias dies with the connection.
    c.socket.destroy();
    await until(() => t.connectionCount === 0, 2000, 'the connection closed');
    await expect(t.send(request, { protocol: 'tls', address: '127.0.0.1', port: 5999 })).rejects.toThrow();
  });

  it('requires a client certificate when told to', async () => {
    const [t] = await start({ clientCertificates: 'require' });
    const c = await client(t.local.port).catch((e: Error) => e);
    // TLS 1.3 reports the refusal after the handshake: the connection is closed either way.
    if (!(c instanceof Error)) {
      sockets.push(c.socket);
      await until(() => c.socket.destroyed, 2000, 'the socket without a certificate destroyed');
    }
    await until(() => t.handshakeFailures === 1, 2000, 'the failed handshake counted');
    expect(t.connectionCount).toBe(0);
    const ok = await client(t.local.port, { cert: credentials.cert, key: credentials.key });
    sockets.push(ok.socket);
    await until(() => t.connectionCount === 1, 2000, 'the connection with a certificate');
  });
});
