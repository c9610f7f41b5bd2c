import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeTlsModule } from '../../../src/native/index.js';
import { makeSelfSigned } from '../../../src/node-tls.js';
import { type TlsCredentials, TlsTransport } from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';
import { delay, Recorder, sipMessage } from './helpers.js';

// Mutual TLS between SIP domains (RFC 5922 §7): the node presents a per-destination client
// certificate to a gateway that requires one, and learns who a client is from a certificate its CA
// verified.
const TLS = join(import.meta.dirname, '..', '..', 'fixtures', 'tls');
const pem = (name: string) => readFileSync(join(TLS, name), 'utf8');

let own: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  own = { cert: made.cert, key: made.key, verifyServer: true };
});

/** The carrier's gateway: a TLS server that requires a client certificate from the carrier's CA. */
async function gateway(): Promise<{
  server: tls.Server;
  port: number;
  received: string[];
  clients: string[];
}> {
  const received: string[] = [];
  const clients: string[] = [];
  const server = tls.createServer(
    {
      cert: pem('gateway.crt'),
      key: pem('gateway.key'),
      ca: pem('carrier-ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      clients.push(String(socket.getPeerCertificate().subject?.CN));
      socket.on('data', (d) => received.push(d.toString()));
      socket.on('error', () => {});
    },
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, received, clients };
}

describe('TLS client certificates', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  function transport(
    options: Partial<ConstructorParameters<typeof TlsTransport>[0]> = {},
  ): [TlsTransport, Recorder] {
    const recorder = new Recorder();
    const t = new TlsTransport({ host: '127.0.0.1', port: 0, handlers: recorder, tls: own, ...options });
    closers.push(() => t.close());
    return [t, recorder];
  }

  it('presents the destination’s client certificate and verifies the gateway with its CA', async () => {
    const gw = await gateway();
    closers.push(() => void gw.server.close());
    const context = tls.createSecureContext({
      cert: pem('trunk-client.crt'),
      key: pem('trunk-client.key'),
      ca: pem('carrier-ca.crt'),
    });
    const [t] = transport({
      clientTls: (d) => (d.port === gw.port ? { context, verify: true } : undefined),
    });
    const request = sipMessage('OPTIONS sip:gw@127.0.0.1 SIP/2.0');
    await t.send(request, { protocol: 'tls', address: '127.0.0.1', port: gw.port });
    await until(() => gw.received.join('').length === request.length, 3000, 'the request at the gateway');
    expect(gw.clients).toEqual(['switchboard at carrier-a']);
  });

  it('without it the gateway refuses the node’s own certificate, and the send fails', async () => {
    const gw = await gateway();
    closers.push(() => void gw.server.close());
    // Trusting the gateway is not enough: it wants a certificate from its CA.
    const [t] = transport({
      clientTls: () => ({
        context: tls.createSecureContext({ cert: own.cert, key: own.key, ca: pem('carrier-ca.crt') }),
      }),
    });
    const request = sipMessage('OPTIONS sip:gw@127.0.0.1 SIP/2.0');
    const sent = await t.send(request, { protocol: 'tls', address: '127.0.0.1', port: gw.port }).then(
      () => 'sent',
      (e: Error) => e.message,
    );
    // TLS 1.3: the client finishes its side before the server's alert, so the write may be accepted
    // locally; either way nothing reaches the gateway and the connection goes.
    await until(() => t.connectionCount === 0, 3000, 'the refused connection closed');
    expect(gw.received).toEqual([]);
    expect(gw.clients).toEqual([]);
    if (sent !== 'sent') expect(sent).toMatch(/certificate|closed|reset|alert|EPIPE/i);
  });

  it('a destination whose certificate could not be loaded is not connected to at all', async () => {
    const gw = await gateway();
    closers.push(() => void gw.server.close());
    const [t] = transport({
      clientTls: () => ({ error: 'trunk carrier-a: cannot read tlsKey /x (ENOENT)' }),
    });
    await expect(
      t.send(sipMessage('OPTIONS sip:gw@127.0.0.1 SIP/2.0'), {
        protocol: 'tls',
        address: '127.0.0.1',
        port: gw.port,
      }),
    ).rejects.toThrow('cannot read tlsKey');
    await delay(50);
    expect(gw.clients).toEqual([]);
  });

  it.each(nativeTlsModule() ? ['node', 'native'] : ['node'])(
    'names a client by its verified certificate (subjectAltName DNS and sip URI hosts), nobody else (%s engine)',
    async (engine) => {
      const [t, rec] = transport({
        tls: {
          ...own,
          ca: pem('carrier-ca.crt'),
          clientCertificates: 'request',
          engine: engine as 'node' | 'native',
        },
      });
      await t.listen();
      const connect = async (cert?: string, key?: string) => {
        const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
          const s = tls.connect(
            {
              host: '127.0.0.1',
              port: t.local.port,
              rejectUnauthorized: false,
              ...(cert ? { cert, key } : {}),
            },
            () => resolve(s),
          );
          s.once('error', reject);
        });
        closers.push(() => void socket.destroy());
        const before = rec.packets.length;
        socket.write(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'));
        await rec.until(() => rec.packets.length === before + 1);
        return t.peerNames(rec.packets[before]!.connectionId!);
      };
      expect(await connect(pem('carrier-client.crt'), pem('carrier-client.key'))).toEqual([
        'edge.carrier.example',
        'carrier.example',
      ]);
      // Same names, another CA: 'request' lets it in, but it proves nothing.
      expect(await connect(pem('stranger-client.crt'), pem('stranger-client.key'))).toEqual([]);
      expect(await connect()).toEqual([]);
    },
  );
});
