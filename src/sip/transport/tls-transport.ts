import type net from 'node:net';
import tls from 'node:tls';
import { isIpv6 } from './address.js';
import { NativeTlsAcceptor } from './native-tls-acceptor.js';
import { NativeTlsSocket, namesFrom } from './native-tls-socket.js';
import { type Opening, StreamTransport, type StreamTransportOptions } from './stream-transport.js';
import type { Endpoint } from './types.js';

/** What a TLS listener presents and whom it trusts. */
export interface TlsCredentials {
  /** PEM certificate chain, leaf first. */
  cert: string | Buffer;
  /** PEM private key of the leaf certificate. */
  key: string | Buffer;
  /** PEM CA certificates to verify peers against (default: Node's bundled roots). */
  ca?: string | Buffer;
  /** Client certificates: not asked, asked and recorded, or required and verified against `ca`. */
  clientCertificates?: 'none' | 'request' | 'require';
  /** Verify the certificates of servers we open connections to (default true). */
  verifyServer?: boolean;
  /**
   * What runs the listener's server side (TLS and WSS): 'native' (OpenSSL via native/tls-session.c
   * for the handshake, then our own TLS 1.3 record layer: a few KB per idle connection) or 'node'
   * (node:tls, ~27 KB). 'native' falls back to 'node' when the module is not built. Default 'node'.
   */
  engine?: 'native' | 'node';
}

/**
 * What a connection to one destination presents and trusts instead of the listener's own
 * credentials (a trunk's client certificate and CA), or why it must not be opened.
 */
export type ClientTls =
  | {
      /** Certificate, key and CA to use (tls.createSecureContext). */
      context: tls.SecureContext;
      /** Verify the server's certificate against the context's CA (default: verifyServer). */
      verify?: boolean;
      /** The name to ask for (SNI) and check the server's certificate against, when it is a host name. */
      servername?: string;
    }
  | { error: string };

export interface TlsTransportOptions extends StreamTransportOptions {
  tls: TlsCredentials;
  /** Per destination: other credentials for connections we open there (undefined: the listener's). */
  clientTls?: (destination: Endpoint) => ClientTls | undefined;
}

/** RFC 3261 §26.2.1 asks for TLS; TLS 1.0/1.1 are deprecated by RFC 8996. */
const MIN_VERSION = 'TLSv1.2';

/** SIP over TLS (RFC 3261 §26.2, `sips:`): the stream transport with a TLS socket under it. */
export class TlsTransport extends StreamTransport {
  readonly protocol = 'tls' as const;
  /** The listener's engine after the fallback: 'native' only when the module is built. */
  readonly engine: 'native' | 'node';
  private readonly native: NativeTlsAcceptor | undefined;
  /** node:tls's failed handshakes (the native acceptor counts its own). */
  private nodeHandshakeFailures = 0;

  constructor(private readonly tlsOptions: TlsTransportOptions) {
    super(tlsOptions);
    const { cert, key, ca } = tlsOptions.tls;
    // A bad certificate or key fails here, at start, not at the first handshake.
    tls.createSecureContext({ cert, key, ca, minVersion: MIN_VERSION });
    this.native = NativeTlsAcceptor.create(tlsOptions.tls);
    this.engine = this.native ? 'native' : 'node';
  }

  /** Handshakes that failed (garbage, old protocol versions, refused client certificates). */
  get handshakeFailures(): number {
    return this.nodeHandshakeFailures + (this.native?.handshakeFailures ?? 0);
  }

  protected createServer(accept: (socket: net.Socket) => void): net.Server {
    if (this.native)
      // The transport reads and writes a NativeTlsSocket as it would a socket (StreamConnection's needs).
      return this.native.createServer(this.tlsOptions.connectTimeout ?? 10_000, (socket) =>
        accept(socket as unknown as net.Socket),
      );
    const mode = this.tlsOptions.tls.clientCertificates ?? 'none';
    const server = tls.createServer(
      {
        cert: this.tlsOptions.tls.cert,
        key: this.tlsOptions.tls.key,
        ca: this.tlsOptions.tls.ca,
        minVersion: MIN_VERSION,
        requestCert: mode !== 'none',
        rejectUnauthorized: mode === 'require',
        // A handshake that stalls must not hold a socket for Node's default two minutes.
        handshakeTimeout: this.tlsOptions.connectTimeout ?? 10_000,
      },
      accept,
    );
    server.on('tlsClientError', (_e, socket) => {
      this.nodeHandshakeFailures++;
      socket.destroy();
    });
    return server;
  }

  protected override peerNamesOf(socket: net.Socket): readonly string[] {
    if ((socket as unknown) instanceof NativeTlsSocket)
      return (socket as unknown as NativeTlsSocket).peerNames;
    return verifiedPeerNames(socket as tls.TLSSocket);
  }

  protected open(destination: Endpoint, localAddress: string | undefined): Opening {
    const chosen = this.tlsOptions.clientTls?.(destination);
    if (chosen && 'error' in chosen) throw new Error(chosen.error);
    // tls.connect passes the socket.connect() options on (localAddress), which its types omit.
    const options: tls.ConnectionOptions & { localAddress?: string } = {
      host: destination.address,
      port: destination.port,
      localAddress,
      // Our certificate goes along when the server asks for one (mutual TLS between nodes).
      cert: this.tlsOptions.tls.cert,
      key: this.tlsOptions.tls.key,
      ca: this.tlsOptions.tls.ca,
      minVersion: MIN_VERSION,
      rejectUnauthorized: this.tlsOptions.tls.verifyServer ?? true,
    };
    // SNI carries host names only (RFC 6066 §3): none for an IP literal.
    if (!isIpLiteral(destination.address)) options.servername = destination.address;
    if (chosen) {
      // The context's certificate, key and CA replace the listener's (cert/key/ca are then ignored).
      options.secureContext = chosen.context;
      if (chosen.verify !== undefined) options.rejectUnauthorized = chosen.verify;
      if (chosen.servername !== undefined) options.servername = chosen.servername;
    }
    const socket = tls.connect(options);
    return { socket, ready: 'secureConnect' };
  }
}

/**
 * The names a verified peer certificate vouches for (RFC 5922 §7.1): the host of each
 * subjectAltName URI (sip:/sips:) and each DNS entry; only when there is none of those, the CN.
 * Empty for a socket whose peer sent no certificate or one our CA does not verify.
 */
export function verifiedPeerNames(socket: tls.TLSSocket): string[] {
  if (!socket.authorized) return [];
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return [];
  const cn = certificate.subject?.CN;
  return namesFrom(certificate.subjectaltname, typeof cn === 'string' ? cn : undefined);
}

function isIpLiteral(address: string): boolean {
  return isIpv6(address) || /^\d+\.\d+\.\d+\.\d+$/.test(address);
}
