import { type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import { TLS13_SUITES, type Tls13SuiteName, TrafficKeys } from './tls13-keys.js';

/** RFC 8446 §5.1 content types. */
const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
/** RFC 8446 §4: the only handshake message a client may send after its Finished (no post-handshake auth). */
const KEY_UPDATE = 24;

/** RFC 8446 §6 alert descriptions this layer sends or acts on. */
export const Alert = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  recordOverflow: 22,
  illegalParameter: 47,
  decodeError: 50,
  userCanceled: 90,
} as const;

const HEADER = 5;
const TAG = 16;
/** RFC 8446 §5.1: TLSPlaintext.length ≤ 2^14. */
const MAX_PLAINTEXT = 16_384;
/** RFC 8446 §5.2: TLSCiphertext.length ≤ 2^14 + 256. */
const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
/**
 * RFC 8446 §5.5: AES-GCM keys protect at most 2^24.5 records; we update our keys well before
 * (ChaCha20-Poly1305's limit is higher; one rule for all suites).
 */
const RECORDS_PER_KEY = 2 ** 24;

/** What received ciphertext came to. */
export interface Received {
  /** Application data, in order. */
  data: Buffer[];
  /** Records to send now (our KeyUpdate answering one that asked, our close_notify, a fatal alert). */
  send: Buffer[];
  /** The peer closed (close_notify) or broke the connection; nothing more may be read or written. */
  closed: boolean;
  /** Why the connection failed (a fatal alert sent or received), when it did. */
  error?: string;
}

/**
 * The TLS 1.3 record layer of a server after the handshake (RFC 8446 §5): application data
 * records both ways with the AEAD of the negotiated suite, alerts (§6), KeyUpdate (§4.6.3). The
 * handshake itself ran in OpenSSL, which handed over the application traffic secrets.
 */
export class Tls13Records {
  private read: TrafficKeys;
  private write: TrafficKeys;
  /** A partial record waiting for the rest (bounded by the largest record). */
  private partial: Buffer | undefined;
  /** A handshake message split over records (at most KeyUpdate's 5 octets). */
  private handshake: Buffer | undefined;
  private done = false;

  constructor(suite: Tls13SuiteName, clientSecret: Buffer, serverSecret: Buffer) {
    const spec = TLS13_SUITES[suite];
    this.read = new TrafficKeys(spec, clientSecret);
    this.write = new TrafficKeys(spec, serverSecret);
  }

  get closed(): boolean {
    return this.done;
  }

  /** Protect application data, in records of at most 2^14 octets. */
  seal(data: Buffer): Buffer[] {
    if (this.done) throw new Error('TLS connection is closed');
    const records: Buffer[] = [];
    for (let at = 0; at < data.length; at += MAX_PLAINTEXT)
      records.push(this.protect(APPLICATION_DATA, data.subarray(at, at + MAX_PLAINTEXT)));
    return records;
  }

  /** Our close_notify (RFC 8446 §6.1); nothing may be sent after it. */
  close(): Buffer | undefined {
    if (this.done) return undefined;
    const record = this.protect(ALERT, Buffer.from([1, Alert.closeNotify]));
    this.done = true;
    return record;
  }

  /** Take ciphertext from the peer: whole records are opened, a partial one waits for the rest. */
  receive(chunk: Buffer): Received {
    const result: Received = { data: [], send: [], closed: false };
    if (this.done) return { ...result, closed: true };
    let input = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = undefined;
    let updateAsked = false;
    while (input.length >= HEADER) {
      const type = input[0];
      const length = input.readUInt16BE(3);
      // §5.1: after the handshake every record is protected, hence application_data on the wire;
      // a change_cipher_spec is only tolerated before the peer's Finished.
      if (type !== APPLICATION_DATA)
        return this.fail(result, Alert.unexpectedMessage, `unexpected record type ${type}`);
      if (length > MAX_CIPHERTEXT)
        return this.fail(result, Alert.recordOverflow, `record of ${length} octets`);
      if (length < TAG + 1) return this.fail(result, Alert.decodeError, `record of ${length} octets`);
      if (input.length < HEADER + length) break;
      const plaintext = this.unprotect(input.subarray(0, HEADER), input.subarray(HEADER, HEADER + length));
      input = input.subarray(HEADER + length);
      if (!plaintext) return this.fail(result, Alert.badRecordMac, 'record authentication failed');
      // §5.4: the content type is the last non-zero octet; zeros after it are padding.
      let end = plaintext.length - 1;
      while (end >= 0 && plaintext[end] === 0) end--;
      if (end < 0) return this.fail(result, Alert.unexpectedMessage, 'record without a content type');
      const inner = plaintext[end];
      const content = plaintext.subarray(0, end);
      if (content.length > MAX_PLAINTEXT)
        return this.fail(result, Alert.recordOverflow, `plaintext of ${content.length} octets`);
      if (this.handshake && inner !== HANDSHAKE)
        return this.fail(result, Alert.unexpectedMessage, 'handshake message interleaved with other records');
      if (inner === APPLICATION_DATA) {
        if (content.length > 0) result.data.push(Buffer.from(content));
      } else if (inner === ALERT) {
        if (content.length !== 2) return this.fail(result, Alert.decodeError, 'malformed alert');
        const description = content[1];
        if (description === Alert.userCanceled) continue; // §6.1: a close_notify should follow
        this.done = true;
        result.closed = true;
        if (description === Alert.closeNotify) {
          // §6.1: answer with our own close_notify; what we had queued was already sent.
          result.send.push(this.protectAfterClose(ALERT, Buffer.from([1, Alert.closeNotify])));
          return result;
        }
        result.error = `peer sent alert ${description}`;
        return result; // §6.2: an error alert closes the connection; nothing is sent back
      } else if (inner === HANDSHAKE) {
        if (content.length === 0) return this.fail(result, Alert.unexpectedMessage, 'empty handshake record');
        const asked = this.keyUpdates(result, content);
        if (asked === undefined) return result;
        updateAsked ||= asked;
      } else if (inner === CHANGE_CIPHER_SPEC) {
        return this.fail(result, Alert.unexpectedMessage, 'change_cipher_spec after the handshake');
      } else {
        return this.fail(result, Alert.unexpectedMessage, `unexpected content type ${inner}`);
      }
    }
    if (input.length > 0) this.partial = Buffer.from(input);
    // §4.6.3: one KeyUpdate of ours answers however many asked since we last sent.
    if (updateAsked) result.send.push(this.updateOurKeys());
    return result;
  }

  /**
   * KeyUpdate messages in a handshake record (§4.6.3): each one moves our read keys on. Returns
   * whether one asked for ours to move too, or undefined when the connection failed.
   */
  private keyUpdates(result: Received, content: Buffer): boolean | undefined {
    let bytes = this.handshake ? Buffer.concat([this.handshake, content]) : content;
    this.handshake = undefined;
    let asked = false;
    while (bytes.length > 0) {
      if (bytes[0] !== KEY_UPDATE) {
        this.fail(result, Alert.unexpectedMessage, `unexpected handshake message ${bytes[0]}`);
        return undefined;
      }
      if (bytes.length < 5) {
        this.handshake = Buffer.from(bytes);
        return asked;
      }
      if (bytes.readUIntBE(1, 3) !== 1) {
        this.fail(result, Alert.decodeError, 'malformed KeyUpdate');
        return undefined;
      }
      const request = bytes[4];
      if (request !== 0 && request !== 1) {
        this.fail(result, Alert.illegalParameter, `KeyUpdate request_update ${request}`);
        return undefined;
      }
      // §5.1: a KeyUpdate must end its record, as the next record is under the new keys.
      if (bytes.length > 5) {
        this.fail(result, Alert.unexpectedMessage, 'data after a KeyUpdate in its record');
        return undefined;
      }
      this.read = this.read.next();
      asked ||= request === 1;
      bytes = bytes.subarray(5);
    }
    return asked;
  }

  /** Our KeyUpdate (update_not_requested), sent under the old keys; later records use the new. */
  private updateOurKeys(): Buffer {
    const record = this.protect(HANDSHAKE, Buffer.from([KEY_UPDATE, 0, 0, 1, 0]));
    this.write = this.write.next();
    return record;
  }

  /** A fatal alert (§6.2) to send, and the connection closed. */
  private fail(result: Received, description: number, reason: string): Received {
    if (!this.done) result.send.push(this.protectAfterClose(ALERT, Buffer.from([2, description])));
    this.done = true;
    this.partial = undefined;
    this.handshake = undefined;
    result.closed = true;
    result.error = reason;
    return result;
  }

  private protectAfterClose(type: number, content: Buffer): Buffer {
    this.done = false;
    const record = this.protect(type, content);
    this.done = true;
    return record;
  }

  /** TLSInnerPlaintext (content, type, no padding) sealed into a TLSCiphertext (§5.2). */
  private protect(type: number, content: Buffer): Buffer {
    if (this.write.sequence >= RECORDS_PER_KEY && type === APPLICATION_DATA) {
      const update = this.updateOurKeys();
      return Buffer.concat([update, this.protect(type, content)]);
    }
    const keys = this.write;
    const length = content.length + 1 + TAG;
    const header = Buffer.from([APPLICATION_DATA, 3, 3, length >> 8, length & 0xff]);
    const cipher = createCipheriv(keys.suite.cipher as CipherGCMTypes, keys.key, keys.nonce(), {
      authTagLength: TAG,
    });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(content), cipher.update(Buffer.from([type])), cipher.final()]);
    keys.sequence++;
    return Buffer.concat([header, body, cipher.getAuthTag()]);
  }

  /** Open one record (§5.2: the header is the additional data); undefined when it does not authenticate. */
  private unprotect(header: Buffer, fragment: Buffer): Buffer | undefined {
    const keys = this.read;
    const decipher = createDecipheriv(keys.suite.cipher as CipherGCMTypes, keys.key, keys.nonce(), {
      authTagLength: TAG,
    });
    decipher.setAAD(header);
    decipher.setAuthTag(fragment.subarray(fragment.length - TAG));
    try {
      const plaintext = Buffer.concat([
        decipher.update(fragment.subarray(0, fragment.length - TAG)),
        decipher.final(),
      ]);
      keys.sequence++;
      return plaintext;
    } catch {
      return undefined;
    }
  }
}
