import { createHash } from 'node:crypto';
import type { DtlsCertificate } from './certificate.js';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  DTLS_SRTP_MATERIAL_LENGTH,
  dtlsSrtpKeys,
  type SrtpKeyPair,
} from './srtp-keys.js';
import { DtlsServer, type DtlsTransport, HashAlgorithm, SignatureAlgorithm } from './werift.js';

/** use_srtp profile SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): the suite our SRTP implements. */
const SRTP_AES128_CM_HMAC_SHA1_80 = 1;

export interface DtlsSrtpServerOptions {
  certificate: Pick<DtlsCertificate, 'certPem' | 'keyPem'>;
  /** Sends a DTLS record to the peer (the address ICE chose). */
  send: (data: Buffer) => void;
  /** The peer's a=fingerprint (`sha-256 AB:...`); its certificate must match it (RFC 5763 §5). */
  remoteFingerprint?: string;
  onKeys: (keys: SrtpKeyPair) => void;
  onError: (error: Error) => void;
}

function fingerprintMatches(expected: string, der: Buffer): boolean {
  const space = expected.indexOf(' ');
  const algorithm = expected.slice(0, space).toLowerCase();
  if (algorithm !== 'sha-256' && algorithm !== 'sha-1' && algorithm !== 'sha-384' && algorithm !== 'sha-512')
    return false;
  const hex = createHash(algorithm.replace('-', '')).update(der).digest('hex');
  return (
    expected
      .slice(space + 1)
      .replaceAll(':', '')
      .toLowerCase() === hex
  );
}

/**
 * The passive side of DTLS-SRTP (RFC 5763 §5, RFC 5764): a DTLS 1.2 server (werift-dtls) fed the
 * datagrams demultiplexed off the media port, asking the client for its certificate and checking
 * it against the SDP fingerprint, then handing out the SRTP master keys and salts exported per
 * RFC 5764 §4.2. Errors (garbage, a wrong certificate) are reported, never thrown.
 */
export class DtlsSrtpServer {
  private readonly transport: DtlsTransport;
  private readonly server: InstanceType<typeof DtlsServer>;
  private done = false;
  private closed = false;

  constructor(private readonly options: DtlsSrtpServerOptions) {
    this.transport = {
      type: 'udp',
      address: { address: '', family: 'IPv4', port: 0 },
      closed: false,
      onData: () => undefined,
      send: async (data: Buffer) => {
        if (!this.closed) options.send(data);
      },
      close: async () => undefined,
    };
    this.server = new DtlsServer({
      transport: this.transport,
      cert: options.certificate.certPem,
      key: options.certificate.keyPem,
      signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
      srtpProfiles: [SRTP_AES128_CM_HMAC_SHA1_80],
      certificateRequest: true,
    });
    this.server.onConnect.subscribe(() => this.connected());
    this.server.onError.subscribe((error: Error) => this.fail(error));
  }

  get established(): boolean {
    return this.done;
  }

  /** A datagram whose first byte is 20–63 (RFC 7983). */
  receive(data: Buffer): void {
    if (this.closed) return;
    try {
      this.transport.onData(data, ['', 0] as never);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  close(): void {
    this.closed = true;
    try {
      this.server.close();
    } catch {
      // Closing a handshake that never started has nothing to undo.
    }
  }

  private connected(): void {
    if (this.done || this.closed) return;
    const expected = this.options.remoteFingerprint;
    const der = this.server.remoteCertificate;
    if (expected !== undefined && (der === undefined || !fingerprintMatches(expected, der))) {
      this.fail(new Error('the DTLS client certificate does not match the SDP a=fingerprint (RFC 5763 §5)'));
      return;
    }
    if (this.server.srtp.srtpProfile !== SRTP_AES128_CM_HMAC_SHA1_80) {
      this.fail(
        new Error('the DTLS client agreed no SRTP profile the relay supports (SRTP_AES128_CM_HMAC_SHA1_80)'),
      );
      return;
    }
    this.done = true;
    const material = this.server.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, DTLS_SRTP_MATERIAL_LENGTH);
    this.options.onKeys(dtlsSrtpKeys(material, 'server'));
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.options.onError(error);
  }
}
