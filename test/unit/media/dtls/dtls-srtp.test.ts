import { describe, expect, it } from 'vitest';
import {
  createDtlsCertificate,
  DTLS_SRTP_EXPORTER_LABEL,
  DtlsClient,
  DtlsSrtpServer,
  dtlsSrtpKeys,
  type SrtpKeyPair,
} from '../../../../src/media/dtls/index.js';
import { SrtpSession } from '../../../../src/media/srtp/index.js';
import { until } from '../../../support/until.js';

type DtlsCertificate = Awaited<ReturnType<typeof createDtlsCertificate>>;

/**
 * The relay's passive side and a werift DtlsClient playing the browser, joined in memory: each
 * side's datagrams reach the other on the next turn. The client has started its handshake.
 */
async function handshake(options: {
  relay: DtlsCertificate;
  browser: DtlsCertificate;
  remoteFingerprint: string;
  onKeys: (keys: SrtpKeyPair) => void;
  onError: (error: Error) => void;
}): Promise<{ server: DtlsSrtpServer; client: DtlsClient }> {
  let deliverToClient: (d: Buffer) => void = () => undefined;
  const server = new DtlsSrtpServer({
    certificate: options.relay,
    remoteFingerprint: options.remoteFingerprint,
    send: (d) => setImmediate(() => deliverToClient(d)),
    onKeys: options.onKeys,
    onError: options.onError,
  });
  const transport = {
    type: 'udp',
    address: { address: '', family: 'IPv4', port: 0 },
    closed: false,
    onData: (_d: Buffer): void => undefined,
    send: async (d: Buffer) => {
      setImmediate(() => server.receive(d));
    },
    close: async () => undefined,
  };
  deliverToClient = (d) => transport.onData(d);
  const client = new DtlsClient({
    transport: transport as never,
    cert: options.browser.certPem,
    key: options.browser.keyPem,
    signatureHash: { hash: 4, signature: 3 },
    srtpProfiles: [1],
  });
  await client.connect();
  return { server, client };
}

describe('DTLS-SRTP key layout (RFC 5764 §4.2)', () => {
  it('splits client key ‖ server key ‖ client salt ‖ server salt, each side receiving the other’s', () => {
    const material = Uint8Array.from({ length: 60 }, (_, i) => i);
    const server = dtlsSrtpKeys(material, 'server');
    const client = dtlsSrtpKeys(material, 'client');
    expect([...server.receive.key]).toEqual([...material.slice(0, 16)]);
    expect([...server.send.key]).toEqual([...material.slice(16, 32)]);
    expect([...server.receive.salt]).toEqual([...material.slice(32, 46)]);
    expect([...server.send.salt]).toEqual([...material.slice(46, 60)]);
    expect(client.send).toEqual(server.receive);
    expect(client.receive).toEqual(server.send);
    expect(() => dtlsSrtpKeys(material.slice(0, 59), 'server')).toThrow(/60 bytes/);
  });
});

describe('DTLS-SRTP passive side over werift-dtls', () => {
  it('completes a handshake with a DTLS client, checks its fingerprint, and exports matching SRTP keys', async () => {
    const relayCert = await createDtlsCertificate();
    const browserCert = await createDtlsCertificate('browser');
    expect(relayCert.fingerprint).toMatch(/^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    let serverKeys: SrtpKeyPair | undefined;
    const errors: Error[] = [];
    const { server, client } = await handshake({
      relay: relayCert,
      browser: browserCert,
      remoteFingerprint: browserCert.fingerprint,
      onKeys: (k) => {
        serverKeys = k;
      },
      onError: (e) => errors.push(e),
    });
    await until(() => serverKeys !== undefined || errors.length > 0, 5000, 'the handshake to end', 10);
    expect(errors).toEqual([]);
    const clientKeys = dtlsSrtpKeys(client.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, 60), 'client');
    expect(serverKeys).toBeDefined();
    expect(Buffer.from(serverKeys!.receive.key)).toEqual(Buffer.from(clientKeys.send.key));
    // What the client protects with its write key the relay unprotects with its receive key.
    const rtp = Buffer.alloc(172, 0x55);
    rtp[0] = 0x80;
    rtp.writeUInt32BE(1234, 8);
    const sent = new SrtpSession(
      'AES_CM_128_HMAC_SHA1_80',
      Buffer.from(clientKeys.send.key),
      Buffer.from(clientKeys.send.salt),
    ).protectRtp(rtp)!;
    const got = new SrtpSession(
      'AES_CM_128_HMAC_SHA1_80',
      Buffer.from(serverKeys!.receive.key),
      Buffer.from(serverKeys!.receive.salt),
    ).unprotectRtp(sent);
    expect(got).toEqual(rtp);
    server.close();
    client.close();
  });

  it('refuses a client whose certificate is not the one the SDP fingerprint names', async () => {
    const relayCert = await createDtlsCertificate();
    const browserCert = await createDtlsCertificate('browser');
    const other = await createDtlsCertificate('impostor');
    const errors: Error[] = [];
    let keys = 0;
    const { server, client } = await handshake({
      relay: relayCert,
      browser: browserCert,
      remoteFingerprint: other.fingerprint,
      onKeys: () => keys++,
      onError: (e) => errors.push(e),
    });
    await until(() => errors.length > 0, 3000, 'the fingerprint mismatch reported', 10);
    expect(keys).toBe(0);
    expect(errors[0]?.message).toMatch(/fingerprint/);
    server.close();
    client.close();
  });
});
