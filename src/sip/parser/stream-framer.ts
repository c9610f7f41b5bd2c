import { isTokenChar } from '../message/scan.js';

/**
 * Cuts a SIP byte stream (TCP, TLS) into messages (RFC 3261 §18.3): the header section ends at
 * the first empty line, the body is exactly Content-Length octets.
 */

export interface StreamFramerOptions {
  /** Largest header section, start-line and empty line included (default 16 KiB). */
  maxHeaderSize?: number;
  /** Largest whole message, headers plus body (default 64 KiB). */
  maxMessageSize?: number;
}

export type FrameEvent =
  | { kind: 'message'; data: Buffer }
  /** RFC 5626 §3.5.1: a CRLFCRLF ping between messages, to be answered with a single CRLF pong. */
  | { kind: 'ping' }
  /**
   * The stream cannot be framed any further: the connection must be closed. `oversize` means the
   * headers were readable (`head` holds them, for a 513) but the message is over the size limit.
   */
  | { kind: 'error'; reason: 'framing' | 'oversize'; detail: string; head: Buffer };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
/** More digits than this cannot be a sane length, whatever the configured limits. */
const MAX_DIGITS = 10;
/** How much of unframeable bytes to report as the head of a dropped message. */
const ERROR_HEAD = 512;

export class StreamFramer {
  private readonly maxHeaderSize: number;
  private readonly maxMessageSize: number;
  /** Pending bytes are buf[start, end). buf is a received chunk, or our own growable store. */
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  private owned = false;
  /** Bytes of the pending message already scanned for the empty line (never rescanned). */
  private scanned = 0;
  /** Empty-line matcher: 0 = in a line, 1 = just after LF, 2 = after LF CR. */
  private lineState = 0;
  /** Header + body length once the header section has been read, else -1. */
  private messageLength = -1;
  /** True once the first octet of a message (not a keep-alive CR/LF) has been seen. */
  private inMessage = false;
  /** LFs seen in a run of keep-alive bytes between messages. */
  private keepAliveLfs = 0;
  private dead = false;

  constructor(options: StreamFramerOptions = {}) {
    this.maxHeaderSize = options.maxHeaderSize ?? 16 * 1024;
    this.maxMessageSize = options.maxMessageSize ?? 64 * 1024;
  }

  /** True after a framing error: the stream is unusable and further pushes yield nothing. */
  get failed(): boolean {
    return this.dead;
  }

  /** Octets held for a message not yet complete. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Add received bytes; returns the messages, pings and (at most one, final) error they complete. */
  push(chunk: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    if (this.dead || chunk.length === 0) return out;
    this.append(chunk);
    while (this.start < this.end) {
      if (this.messageLength < 0) {
        if (!this.inMessage && !this.skipKeepAlive(out)) break;
        const headerEnd = this.scanHeaderEnd();
        if (headerEnd < 0) {
          if (this.end - this.start > this.maxHeaderSize)
            this.fail(out, 'framing', 'header section too large');
          break;
        }
        const length = contentLength(this.buf, this.start, headerEnd);
        if (typeof length === 'string') {
          this.fail(out, 'framing', length);
          break;
        }
        const headerSize = headerEnd - this.start;
        if (headerSize + length > this.maxMessageSize) {
          this.fail(out, 'oversize', 'message too large', headerEnd);
          break;
        }
        this.messageLength = headerSize + length;
      }
      if (this.end - this.start < this.messageLength) break;
      out.push({ kind: 'message', data: this.buf.subarray(this.start, this.start + this.messageLength) });
      this.start += this.messageLength;
      this.messageLength = -1;
      this.scanned = 0;
      this.lineState = 0;
      this.inMessage = false;
    }
    if (this.start === this.end) this.release();
    return out;
  }

  /**
   * Keep the chunk without copying when nothing is pending; otherwise copy it into our own
   * store, which grows geometrically so that a byte-per-chunk stream stays O(n).
   */
  private append(chunk: Buffer): void {
    const pending = this.end - this.start;
    if (pending === 0) {
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      // Emitted messages lie before `start`: writing past `end` never touches them.
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const store = Buffer.allocUnsafe(Math.max(pending + chunk.length, pending * 2, 1024));
    this.buf.copy(store, 0, this.start, this.end);
    chunk.copy(store, pending);
    this.buf = store;
    this.start = 0;
    this.end = pending + chunk.length;
    this.owned = true;
  }

  /**
   * RFC 3261 §7.5: CRLFs before a start-line are ignored. RFC 5626 §3.5.1: a double CRLF is a
   * keep-alive ping. Returns false when the pending bytes were all keep-alive bytes.
   */
  private skipKeepAlive(out: FrameEvent[]): boolean {
    const b = this.buf;
    while (this.start < this.end) {
      const c = b[this.start];
      if (c === LF) {
        if (++this.keepAliveLfs === 2) {
          out.push({ kind: 'ping' });
          this.keepAliveLfs = 0;
        }
      } else if (c !== CR) {
        this.keepAliveLfs = 0;
        this.inMessage = true;
        return true;
      }
      this.start++;
    }
    return false;
  }

  /**
   * Linear scan for the empty line ending the header section (CRLFCRLF, bare LFs tolerated),
   * resuming where the previous push stopped. Returns the index just past it, or -1.
   */
  private scanHeaderEnd(): number {
    const b = this.buf;
    const limit = Math.min(this.end, this.start + this.maxHeaderSize);
    let state = this.lineState;
    let i = this.start + this.scanned;
    for (; i < limit; i++) {
      const c = b[i];
      if (c === LF) {
        if (state !== 0) {
          this.lineState = 0;
          return i + 1;
        }
        state = 1;
      } else if (c === CR) {
        state = state === 1 ? 2 : 0;
      } else {
        state = 0;
      }
    }
    this.lineState = state;
    this.scanned = i - this.start;
    return -1;
  }

  private fail(out: FrameEvent[], reason: 'framing' | 'oversize', detail: string, headEnd?: number): void {
    const end = headEnd ?? Math.min(this.end, this.start + ERROR_HEAD);
    out.push({ kind: 'error', reason, detail, head: this.buf.subarray(this.start, end) });
    this.dead = true;
    this.release();
  }

  private release(): void {
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    this.owned = false;
  }
}

/**
 * The Content-Length of the header section b[from, to) (which ends with its empty line), or an
 * error text. Only names at the start of a header line count, matched case-insensitively, with
 * the compact form `l` (RFC 3261 §7.3.3, §20.14) and LWS before the colon (§7.3.1).
 */
function contentLength(b: Buffer, from: number, to: number): number | string {
  let found = -1;
  // Skip the start-line; the section ends with LF, so every indexOf below stays inside it.
  let pos = b.indexOf(LF, from) + 1;
  while (pos < to) {
    const first = b[pos];
    if (first === CR || first === LF) break; // the empty line
    let i = pos;
    while (i < to && isTokenChar(b[i]!)) i++;
    let j = i;
    while (j < to && (b[j] === SP || b[j] === HT)) j++;
    if (b[j] === COLON && isContentLengthName(b, pos, i - pos)) {
      const value = parseLength(b, j + 1, to);
      if (typeof value === 'string') return value;
      if (found >= 0 && found !== value) return 'conflicting Content-Length values';
      found = value;
    }
    pos = b.indexOf(LF, j) + 1;
  }
  return found >= 0 ? found : 'missing Content-Length';
}

function isContentLengthName(b: Buffer, at: number, length: number): boolean {
  // Token characters only reach here, so OR-ing 0x20 lower-cases letters and changes nothing else.
  if (length === 1) return (b[at]! | 0x20) === 0x6c;
  if (length !== CONTENT_LENGTH.length) return false;
  for (let k = 0; k < length; k++) if ((b[at + k]! | 0x20) !== CONTENT_LENGTH[k]) return false;
  return true;
}

/** 1*DIGIT surrounded by LWS, folded lines included (RFC 3261 §25.1). */
function parseLength(b: Buffer, from: number, to: number): number | string {
  let value = 0;
  let digits = 0;
  let afterDigits = false;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x39) {
      if (afterDigits) return 'invalid Content-Length';
      if (++digits > MAX_DIGITS) return 'Content-Length too large';
      value = value * 10 + (c - 0x30);
    } else if (c === SP || c === HT || c === CR) {
      if (digits > 0) afterDigits = true;
    } else if (c === LF) {
      const next = b[i + 1];
      if (next !== SP && next !== HT) break; // the header line ends here
      if (digits > 0) afterDigits = true;
    } else {
      return c === 0x2d && digits === 0 ? 'negative Content-Length' : 'invalid Content-Length';
    }
  }
  return digits === 0 ? 'invalid Content-Length' : value;
}
