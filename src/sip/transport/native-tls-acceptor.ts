import net from 'node:net';
import tls from 'node:tls';
import { type NativeTlsModule, nativeTlsModule } from '../../native/index.js';
import { NativeTlsSocket } from './native-tls-socket.js';
import type { TlsCredentials } from './tls-transport.js';

/** The TLS 1.3 suites our own record layer carries (tls13-keys.ts); TLS 1.2 ciphers as Node's. */
const NATIVE_TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';
const NATIVE_TLS12_CIPHERS = tls.DEFAULT_CIPHERS.split(':')
  .filter((c) => !c.startsWith('TLS_'))
  .join(':');

/**
 * The server side of the native TLS engine (`tls.engine: native`) for any listener over TLS (SIP
 * over TLS, WSS): plain TCP sockets, each wrapped in a NativeTlsSocket and handed on once its
 * handshake is done. One OpenSSL context per listener, made from the listener's credentials.
 */
export class NativeTlsAcceptor {
  /** Handshakes that failed (garbage, old protocol versions, refused client certificates, timeouts). */
  handshakeFailures = 0;

  private constructor(
    private readonly module: NativeTlsModule,
    private readonly context: unknown,
  ) {}

  /** An acceptor when `credentials.engine` is 'native' and the module is built; otherwise undefined (node:tls). */
  static create(credentials: TlsCredentials): NativeTlsAcceptor | undefined {
    if (credentials.engine !== 'native') return undefined;
    const module = nativeTlsModule();
    if (!module) return undefined;
    const { cert, key, ca, clientCertificates } = credentials;
    const verify = clientCertificates === 'require' ? 2 : clientCertificates === 'request' ? 1 : 0;
    // Without a configured CA, peers are verified against Node's bundled roots, as node:tls does.
    const context = module.createContext(
      String(cert),
      String(key),
      ca === undefined ? null : String(ca),
      ca === undefined && verify > 0 ? tls.rootCertificates.join('\n') : null,
      verify,
      NATIVE_TLS12_CIPHERS,
      NATIVE_TLS13_SUITES,
    );
    return new NativeTlsAcceptor(module, context);
  }

  /** A TCP server whose connections reach `accept` as plaintext Duplexes once their handshake is done. */
  createServer(handshakeTimeout: number, accept: (socket: NativeTlsSocket) => void): net.Server {
    return net.createServer((raw) => {
      raw.on('error', () => {});
      new NativeTlsSocket(raw, this.module, this.context, {
        handshakeTimeout,
        onSecure: accept,
        onFailure: () => {
          this.handshakeFailures++;
        },
      });
    });
  }
}
