import { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { type NativeTlsModule, TlsState } from '../../native/index.js';
import { isTls13Suite } from './tls13-keys.js';
import { Tls13Records } from './tls13-records.js';

/** How long a peer that broke the connection gets to read our alert before its socket goes. */
const ALERT_GRACE = 2000;

export interface NativeTlsSocketOptions {
  /** Give up on a handshake after this long. */
  handshakeTimeout: number;
  /** The handshake is done: the socket now carries plaintext. */
  onSecure: (socket: NativeTlsSocket) => void;
  /** The handshake failed (garbage, old versions, a refused client certificate, a timeout). */
  onFailure: (reason: string) => void;
}

/**
 * A server-side TLS connection as a Duplex of plaintext over a plain net.Socket, for the SIP
 * stream transport. OpenSSL (native/tls-session.c) runs the handshake; a TLS 1.3 connection then
 * drops its SSL object and runs its records in Tls13Records (an idle connection keeps only its
 * keys), a TLS 1.2 one keeps the SSL object, with OpenSSL's record buffers released when empty.
 */
export class NativeTlsSocket extends Duplex {
  /** Names the client's verified certificate vouches for (RFC 5922 §7.1); empty: none. */
  peerNames: readonly string[] = [];
  private session: unknown;
  private records: Tls13Records | undefined;
  private secure = false;
  private options: NativeTlsSocketOptions | undefined;

  constructor(
    readonly raw: net.Socket,
    private readonly native: NativeTlsModule,
    context: unknown,
    options: NativeTlsSocketOptions,
  ) {
    super({ allowHalfOpen: false });
    this.options = options;
    this.session = native.createSession(context, true);
    raw.setTimeout(options.handshakeTimeout);
    raw.on('timeout', this.onTimeout);
    raw.on('data', (chunk: Buffer) => this.receive(chunk));
    raw.on('end', () => (this.secure ? this.push(null) : this.fail('closed during the handshake')));
    raw.on('error', () => this.destroy());
    raw.on('close', () => this.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }

  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }

  get localPort(): number | undefined {
    return this.raw.localPort;
  }

  setNoDelay(noDelay?: boolean): this {
    this.raw.setNoDelay(noDelay);
    return this;
  }

  /** Like net.Socket's: `callback` when neither side sent anything for `ms` (0: never). */
  setTimeout(ms: number, callback?: () => void): this {
    this.raw.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  /** "TLSv1.3" or "TLSv1.2" once the handshake is done. */
  get protocol(): string | undefined {
    if (this.records) return 'TLSv1.3';
    return this.session && this.secure ? this.native.protocol(this.session) : undefined;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    let out: Buffer | undefined;
    try {
      if (this.records) out = Buffer.concat(this.records.seal(chunk));
      else if (this.session && this.secure) out = this.native.send(this.session, chunk);
      else throw new Error('TLS connection is not established');
    } catch (e) {
      done(e as Error);
      return;
    }
    if (out && out.length > 0) this.raw.write(out, done);
    else done();
  }

  override _final(done: (error?: Error | null) => void): void {
    // RFC 8446 §6.1: close_notify before closing our side.
    const notify = this.records
      ? this.records.close()
      : this.session
        ? this.native.shutdown(this.session)
        : undefined;
    if (notify) this.raw.end(notify);
    else this.raw.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.freeSession();
    this.records = undefined;
    if (!this.raw.destroyed && this.raw.writableLength === 0 && !this.raw.writableEnded) this.raw.destroy();
    else if (!this.raw.destroyed) setTimeout(() => this.raw.destroy(), ALERT_GRACE).unref();
    done(error);
  }

  private readonly onTimeout = (): void => {
    if (this.secure) this.emit('timeout');
    else this.fail('handshake timed out');
  };

  private receive(chunk: Buffer): void {
    if (this.destroyed) return;
    try {
      this.receiveUnguarded(chunk);
    } catch (e) {
      // Whatever the peer sent, the process goes on: this connection goes instead.
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  private receiveUnguarded(chunk: Buffer): void {
    if (this.records) {
      this.receiveRecords(chunk);
      return;
    }
    if (!this.session) return;
    const [state, plaintext, out, error, keys] = this.native.receive(this.session, chunk);
    if (out) this.raw.write(out);
    if (state === TlsState.failed) {
      this.fail(error ?? 'TLS failed');
      return;
    }
    if (state === TlsState.handedOff && keys) {
      const [suite, clientSecret, serverSecret, rest] = keys;
      if (!isTls13Suite(suite)) {
        this.fail(`TLS 1.3 suite ${suite} is not supported`);
        return;
      }
      this.records = new Tls13Records(suite, clientSecret, serverSecret);
      clientSecret.fill(0);
      serverSecret.fill(0);
      this.established();
      this.freeSession();
      if (rest) this.receiveRecords(rest);
      return;
    }
    if (state === TlsState.handshaking) return;
    if (!this.secure) this.established();
    if (plaintext) this.push(plaintext);
    if (state === TlsState.closed) this.push(null);
  }

  private receiveRecords(chunk: Buffer): void {
    const records = this.records;
    if (!records) return;
    const result = records.receive(chunk);
    for (const data of result.data) this.push(data);
    if (result.send.length > 0 && !this.raw.writableEnded) {
      const out = Buffer.concat(result.send);
      if (result.closed) this.raw.end(out);
      else this.raw.write(out);
    }
    if (result.error) this.destroy();
    else if (result.closed) this.push(null);
  }

  /** The handshake is done: names from the client's certificate, then the transport gets the socket. */
  private established(): void {
    this.secure = true;
    this.raw.setTimeout(0); // until the transport sets its idle timeout (onTimeout then passes it on)
    const certificate = this.session ? this.native.peerCertificate(this.session) : undefined;
    // A certificate that failed verification (mode 'request') proves nothing.
    if (certificate && certificate[1] === undefined)
      this.peerNames = certificateNames(new X509Certificate(certificate[0]));
    const options = this.options;
    this.options = undefined;
    options?.onSecure(this);
  }

  private fail(reason: string): void {
    if (this.destroyed) return;
    const options = this.options;
    this.options = undefined;
    options?.onFailure(reason);
    if (!this.raw.writableEnded) this.raw.end();
    this.destroy();
  }

  private freeSession(): void {
    if (this.session) this.native.free(this.session);
    this.session = undefined;
  }
}

/**
 * The names a certificate vouches for (RFC 5922 §7.1): each subjectAltName URI's host (sip:/sips:)
 * and each DNS entry; only when there is none of those, the CN.
 */
export function certificateNames(certificate: X509Certificate): string[] {
  const cn = /^CN=(.*)$/m.exec(certificate.subject)?.[1];
  return namesFrom(certificate.subjectAltName, cn);
}

/** RFC 5922 §7.1 names from a subjectAltName text ("DNS:a, URI:sip:b") and a CN. */
export function namesFrom(subjectAltName: string | undefined, cn: string | undefined): string[] {
  const names: string[] = [];
  for (const entry of (subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) names.push(entry.slice(4).toLowerCase());
    else if (/^URI:sips?:/i.test(entry))
      names.push(
        entry
          .replace(/^URI:sips?:/i, '')
          .replace(/[;:?].*$/, '')
          .toLowerCase(),
      );
  }
  if (names.length === 0 && typeof cn === 'string') names.push(cn.toLowerCase());
  return names;
}
