import { createRequire } from 'node:module';

/** receive()'s first element (native/tls-session.c). */
export const TlsState = { failed: -1, handshaking: 0, established: 1, closed: 2, handedOff: 3 } as const;

/**
 * native/tls-session.c, built by `npm install` (node-gyp) into build/Release/tls_session.node:
 * server-side OpenSSL sessions over memory BIOs. Linux only; the OpenSSL symbols are Node's own.
 */
export interface NativeTlsModule {
  /** verify: 0 no client certificate asked, 1 asked and recorded, 2 required and verified. */
  createContext(
    cert: string,
    key: string,
    ca: string | null,
    roots: string | null,
    verify: 0 | 1 | 2,
    cipherList: string,
    cipherSuites: string,
  ): unknown;
  /** handOff: a TLS 1.3 session ends in handedOff with its keys instead of carrying data. */
  createSession(context: unknown, handOff?: boolean): unknown;
  /**
   * [state, plaintext, ciphertext to send, error, handed-off keys]; the keys are [IANA suite name,
   * client application traffic secret, server's, ciphertext after the client's Finished].
   */
  receive(
    session: unknown,
    ciphertext: Buffer,
  ): [
    number,
    Buffer | undefined,
    Buffer | undefined,
    string | undefined,
    [string, Buffer, Buffer, Buffer | undefined] | undefined,
  ];
  send(session: unknown, plaintext: Buffer): Buffer | undefined;
  shutdown(session: unknown): Buffer | undefined;
  /** [DER, verification error or undefined], or undefined when the peer sent none. */
  peerCertificate(session: unknown): [Buffer, string | undefined] | undefined;
  protocol(session: unknown): string;
  free(session: unknown): void;
}

let loaded: NativeTlsModule | null | undefined;

/** The module as built, or undefined when it was not (not Linux, no compiler at install). */
export function nativeTlsModule(): NativeTlsModule | undefined {
  if (loaded === undefined) {
    try {
      // src/native and dist/native are both two levels below the package root.
      const module = createRequire(import.meta.url)(
        '../../build/Release/tls_session.node',
      ) as NativeTlsModule;
      loaded = typeof module.createContext === 'function' ? module : null;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
