import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeTlsModule } from '../../../src/native/index.js';
import { makeSelfSigned } from '../../../src/node-tls.js';
import { type TlsCredentials, TlsTransport } from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';
import { Recorder, sipMessage } from './helpers.js';

// The native engine's own parts: the hand-off from OpenSSL to our TLS 1.3 record layer, TLS 1.2
// on the SSL object, the suites, records cut or tampered with on the way, and handshakes that stall.
let credentials: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key, ca: made.cert, engine: 'native' };
});

/**
 * A TCP relay between a client and the listener. It forwards what the client writes in batches
 * (every `batchMs`), so a client's Finished and its first record arrive in one read, and `tamper`
 * may change a batch on its way.
 */
async function relay(
  target: number,
  batchMs: number,
  tamper: (chunk: Buffer) => Buffer = (c) => c,
): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    let batch: Buffer[] = [];
    let waiting = false;
    inbound.on('data', (d) => {
      batch.push(d);
      if (waiting) return;
      waiting = true;
      setTimeout(() => {
        waiting = false;
        outbound.write(tamper(Buffer.concat(batch)));
        batch = [];
      }, batchMs);
    });
    outbound.on('data', (d) => inbound.write(d));
    for (const s of [inbound, outbound]) {
      s.on('error', () => {});
      s.on('close', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe.skipIf(!nativeTlsModule())('TLS listener, native engine', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function start(connectTimeout?: number): Promise<[TlsTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new TlsTransport({
      host: '127.0.0.1',
      port: 0,
      handlers: recorder,
      tls: credentials,
      connectTimeout,
    });
    closers.push(() => t.close());
    await t.listen();
    expect(t.engine).toBe('native');
    return [t, recorder];
  }

  function connect(
    port: number,
    options: tls.ConnectionOptions = {},
    early?: Buffer,
  ): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect(
        { host: '127.0.0.1', port, ca: credentials.cert, servername: 'localhost', ...options },
        () => resolve(s),
      );
      // Written before the handshake ends: node:tls sends it right behind the client's Finished.
      if (early) s.write(early);
      s.once('error', reject);
      closers.push(() => s.destroy());
    });
  }

  function collect(socket: tls.TLSSocket): () => Buffer {
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    socket.on('error', () => {});
    return () => received;
  }

  /** One message in, one answer out, over the given client options; returns the client socket. */
  async function roundTrip(t: TlsTransport, rec: Recorder, options: tls.ConnectionOptions, body = '') {
    const c = await connect(t.local.port, options);
    const received = collect(c);
    const before = rec.packets.length;
    const request = sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', body);
    c.write(request);
    await rec.until(() => rec.packets.length === before + 1, 3000);
    const packet = rec.packets[before]!;
    expect(packet.data).toEqual(request);
    const answer = Buffer.concat([
      Buffer.from(`SIP/2.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
      Buffer.from(body),
    ]);
    await t.send(answer, packet.source, packet.connectionId);
    await until(() => received().length === answer.length, 3000, 'the whole answer at the client');
    expect(received()).toEqual(answer);
    return c;
  }

  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`carries SIP both ways over TLS 1.3 with ${suite}, messages over one record included`, async () => {
      const [t, rec] = await start();
      const c = await roundTrip(t, rec, { ciphers: suite }, 'x'.repeat(40_000));
      expect(c.getProtocol()).toBe('TLSv1.3');
      expect(c.getCipher().standardName).toBe(suite);
    });
  }

  it('carries SIP over TLS 1.2 on the SSL object', async () => {
    const [t, rec] = await start();
    const c = await roundTrip(t, rec, { maxVersion: 'TLSv1.2' }, 'y'.repeat(20_000));
    expect(c.getProtocol()).toBe('TLSv1.2');
  });

  it('reads application data that arrived with the client Finished (nothing lost at the hand-off)', async () => {
    const [t, rec] = await start();
    const r = await relay(t.local.port, 40);
    closers.push(r.close);
    const early = sipMessage('OPTIONS sip:early@127.0.0.1 SIP/2.0');
    const c = await connect(r.port, {}, early);
    collect(c);
    await rec.until(() => rec.packets.length === 1);
    expect(rec.packets[0]!.data).toEqual(early);
    // And the sequence numbers agree after it.
    const next = sipMessage('OPTIONS sip:next@127.0.0.1 SIP/2.0');
    c.write(next);
    await rec.until(() => rec.packets.length === 2);
    expect(rec.packets[1]!.data).toEqual(next);
  });

  it('answers a tampered record with a fatal bad_record_mac alert and closes the connection', async () => {
    const [t, rec] = await start();
    let armed = false;
    const r = await relay(t.local.port, 1, (chunk) => {
      if (!armed) return chunk;
      const copy = Buffer.from(chunk);
      copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x80; // the AEAD tag's last octet
      return copy;
    });
    closers.push(r.close);
    const c = await connect(r.port);
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    c.write(sipMessage('OPTIONS sip:first@127.0.0.1 SIP/2.0'));
    await rec.until(() => rec.packets.length === 1);
    armed = true;
    c.write(sipMessage('OPTIONS sip:tampered@127.0.0.1 SIP/2.0'));
    await until(() => c.destroyed, 3000, 'the client socket destroyed');
    expect(errors.map((e) => e.message).join()).toMatch(/bad record mac|alert number 20/i);
    expect(rec.packets).toHaveLength(1);
    await until(() => t.connectionCount === 0, 3000, 'the connection forgotten');
  });

  it('answers close_notify with its own and forgets the connection', async () => {
    const [t, rec] = await start();
    const c = await roundTrip(t, rec, {});
    let ended = false;
    c.on('end', () => (ended = true));
    c.end();
    await until(
      () => ended && t.connectionCount === 0,
      3000,
      "the client's end and the connection forgotten",
    );
  });

  it('drops stalled and garbage handshakes, counted, and keeps serving', async () => {
    const [t, rec] = await start(300);
    const stalled = net.connect(t.local.port, '127.0.0.1');
    const garbage = net.connect(t.local.port, '127.0.0.1', () =>
      garbage.write('OPTIONS sip:x SIP/2.0\r\n\r\n'),
    );
    let closed = 0;
    for (const s of [stalled, garbage]) {
      s.on('error', () => {});
      s.on('close', () => closed++);
      closers.push(() => s.destroy());
    }
    await until(() => closed === 2, 3000, 'both bad handshakes closed');
    expect(t.handshakeFailures).toBe(2);
    await roundTrip(t, rec, {});
  });
});
