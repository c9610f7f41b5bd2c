import { SipParseError } from '../message/errors.js';
import type { HeaderField } from '../message/header-field.js';
import { headerKey, internHeaderName, internHeaderNameAt } from '../message/header-names.js';
import { type SipMessage, SipRequest, SipResponse, setHeaderReader } from '../message/message.js';
import { reasonPhrases } from '../message/reason-phrases.js';
import { isToken, isTokenChar, isTrimmed } from '../message/scan.js';

export interface ParseOptions {
  /**
   * Over a stream the framer has already cut the message by Content-Length; over a datagram the
   * body ends at Content-Length (extra octets ignored, RFC 3261 §18.3) or at the datagram's end.
   */
  stream?: boolean;
  /** Largest Content-Length accepted (RFC 3261 §18.3). */
  maxBodySize?: number;
}

/** A message that failed to parse; `partial` holds what could be read, for a 400 reply. */
export class MessageParseError extends SipParseError {
  constructor(
    message: string,
    status: number,
    readonly partial?: SipMessage,
  ) {
    super(message, status);
    this.name = 'MessageParseError';
  }
}

const MAX_BODY = 16 * 1024 * 1024;

/** The length of the blank line the last findHeaderEnd found (2 or 4): no result array per message. */
let separatorLength = 0;

/** Find the end of the header section: index of the empty line (-1 for none), its length in separatorLength. */
function findHeaderEnd(data: Buffer, from: number): number {
  const crlf = data.indexOf('\r\n\r\n', from, 'latin1');
  const lf = data.indexOf('\n\n', from, 'latin1');
  // Whichever blank line comes first ends the headers (a CRLF body may follow LF-only headers).
  separatorLength = 2;
  if (lf >= 0 && (crlf < 0 || lf < crlf + 2)) return lf;
  separatorLength = crlf >= 0 ? 4 : 0;
  return crlf;
}

/**
 * Start of the logical line after the one at `pos`: physical lines that begin with SP or HTAB
 * continue it (folding, RFC 3261 §7.3.1). `head.length + 1` when it runs to the end.
 */
function nextLogicalLine(head: string, pos: number): number {
  const n = head.length;
  for (;;) {
    const end = head.indexOf('\n', pos);
    if (end < 0) return n + 1;
    const next = end + 1;
    const c = head.charCodeAt(next);
    if (next >= n || (c !== 0x20 && c !== 0x09)) return next;
    pos = next;
  }
}

/** End of a logical line's text (before its last line's CR LF or LF), given the next one's start. */
function lineTextEnd(head: string, next: number): number {
  const end = next > head.length ? head.length : next - 1;
  return end > 0 && head.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
}

/**
 * Whether the logical line whose text ends at `end` is that text and CR LF on the wire (the last
 * line of the head: the blank line's CR LF, when the caller saw one).
 */
function endsInCrlf(head: string, next: number, end: number): boolean {
  return next > head.length ? end === head.length : next - end === 2;
}

/** A folded line's text: its continuation lines trimmed and joined with single spaces. */
function unfold(head: string, start: number, end: number): string {
  let pos = head.indexOf('\n', start);
  let text = head.slice(start, pos > start && head.charCodeAt(pos - 1) === 0x0d ? pos - 1 : pos);
  while (pos >= 0 && pos < end) {
    const from = pos + 1;
    pos = head.indexOf('\n', from);
    const to = pos < 0 || pos > end ? end : head.charCodeAt(pos - 1) === 0x0d ? pos - 1 : pos;
    text += ' ' + head.slice(from, to).trim();
  }
  return text;
}

/** The logical line [start, end) of `head` as a header field; one without folding is cut in place. */
function parseHeaderAt(head: string, start: number, end: number): HeaderField {
  if (head.lastIndexOf('\n', end - 1) >= start)
    return parseHeaderLine({ raw: head.slice(start, end), text: unfold(head, start, end) });
  // Same as parseHeaderLine on the line's slice, without the slice and its trimmed copies.
  let colon = head.indexOf(':', start);
  if (colon >= end) colon = -1;
  if (colon <= start)
    throw new SipParseError(`malformed header line "${head.slice(start, Math.min(end, start + 40))}"`);
  let nameEnd = colon;
  while (nameEnd > start && isTrimmed(head.charCodeAt(nameEnd - 1))) nameEnd--;
  const name = internHeaderNameAt(head, start, nameEnd);
  for (let i = 0; i < name.length; i++) {
    if (!isTokenChar(name.charCodeAt(i)))
      throw new SipParseError(`invalid header name "${name.slice(0, 40)}"`);
  }
  if (name.length === 0) throw new SipParseError('empty header name');
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isTrimmed(head.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isTrimmed(head.charCodeAt(valueEnd - 1))) valueEnd--;
  const value = head.slice(valueStart, valueEnd);
  // Keep the raw line only where `Name: value` would not reproduce it (folding, odd spacing).
  if (end - start !== name.length + 2 + value.length || head.charCodeAt(start + name.length + 1) !== 0x20)
    return { name, key: headerKey(name), value, raw: head.slice(start, end) };
  return { name, key: headerKey(name), value };
}

function parseHeaderLine(line: { raw: string; text: string }): HeaderField {
  const text = line.text;
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipParseError(`malformed header line "${text.slice(0, 40)}"`);
  const name = internHeaderName(text.slice(0, colon).trimEnd());
  for (let i = 0; i < name.length; i++) {
    if (!isTokenChar(name.charCodeAt(i)))
      throw new SipParseError(`invalid header name "${name.slice(0, 40)}"`);
  }
  if (name.length === 0) throw new SipParseError('empty header name');
  const value = text.slice(colon + 1).trim();
  // Keep the raw line only where `Name: value` would not reproduce it (folding, odd spacing).
  const raw = line.raw;
  if (raw.length !== name.length + 2 + value.length || raw.charCodeAt(name.length + 1) !== 0x20)
    return { name, key: headerKey(name), value, raw };
  return { name, key: headerKey(name), value };
}

/**
 * What a message parsed here holds until its own header fields are read (parseMessage sets them):
 * one shared array, not an empty one per message. Frozen: nothing may add to it.
 */
const NO_HEADERS = Object.freeze([]) as unknown as HeaderField[];

/** Index of the first space in s[from, end), or -1: the start line is read inside the head. */
function spaceIn(s: string, from: number, end: number): number {
  const i = s.indexOf(' ', from);
  return i < end ? i : -1;
}

/** The usual methods and version as shared strings, not a copy cut from each message. */
const knownWords = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'SIP/2.0'];

function word(s: string, start: number, end: number): string {
  for (const known of knownWords) {
    if (known.length === end - start && s.startsWith(known, start)) return known;
  }
  return s.slice(start, end);
}

/** The start line is s[0, end) (the head, or its unfolded first line). */
function parseRequestLine(s: string, end: number): SipRequest {
  // RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, single spaces (lwsstart/trws: 400).
  const sp1 = spaceIn(s, 0, end);
  const sp2 = spaceIn(s, sp1 + 1, end);
  if (sp1 <= 0 || sp2 < 0 || spaceIn(s, sp2 + 1, end) >= 0) {
    throw new SipParseError('malformed Request-Line');
  }
  const method = word(s, 0, sp1);
  const uri = s.slice(sp1 + 1, sp2);
  const version = word(s, sp2 + 1, end);
  if (!isToken(method)) throw new SipParseError('invalid method in Request-Line');
  if (uri.length === 0) throw new SipParseError('empty Request-URI');
  if (version !== 'SIP/2.0' && !/^SIP\/\d+\.\d+$/i.test(version))
    throw new SipParseError('malformed SIP-Version in Request-Line');
  return new SipRequest(method, uri, NO_HEADERS, undefined, version);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The start line is s[0, end) (the head, or its unfolded first line). */
function parseStatusLine(s: string, end: number): SipResponse {
  // RFC 3261 §7.2: SIP-Version SP Status-Code SP Reason-Phrase; tolerate a missing final SP.
  const sp1 = spaceIn(s, 0, end);
  // Without a space the version is all but the last character and the code starts the line.
  const version = word(s, 0, sp1 < 0 ? end - 1 : sp1);
  const code = sp1 + 1;
  const c = s.charCodeAt(code);
  if (
    end - code < 3 ||
    c < 0x31 ||
    c > 0x36 ||
    !isDigit(s.charCodeAt(code + 1)) ||
    !isDigit(s.charCodeAt(code + 2)) ||
    (end - code > 3 && s.charCodeAt(code + 3) !== 0x20)
  ) {
    throw new SipParseError('malformed Status-Code');
  }
  if (version !== 'SIP/2.0' && version.toUpperCase() !== 'SIP/2.0')
    throw new SipParseError('unsupported SIP-Version in Status-Line');
  const status = (c - 0x30) * 100 + (s.charCodeAt(code + 1) - 0x30) * 10 + s.charCodeAt(code + 2) - 0x30;
  // The usual phrase is the shared string of the table, not a copy cut from each response.
  const phrase = reasonPhrases[status];
  const reasonStart = Math.min(code + 4, end);
  const reason =
    phrase !== undefined && phrase.length === end - reasonStart && s.startsWith(phrase, reasonStart)
      ? phrase
      : s.slice(reasonStart, end);
  return new SipResponse(status, reason, NO_HEADERS, undefined, version);
}

/** Whether s[0, end) starts with `SIP/` in any case: a Status-Line (RFC 3261 §7.2). */
function isSipPrefix(s: string, end: number): boolean {
  return (
    end >= 4 &&
    (s.charCodeAt(0) | 0x20) === 0x73 &&
    (s.charCodeAt(1) | 0x20) === 0x69 &&
    (s.charCodeAt(2) | 0x20) === 0x70 &&
    s.charCodeAt(3) === 0x2f
  );
}

/** Content-Length value: digits only, bounded (RFC 3261 §20.14). */
function contentLength(headers: HeaderField[], maxBody: number): number | undefined {
  let found: number | undefined;
  for (const h of headers) {
    if (h.key !== 'content-length') continue;
    if (!/^\d{1,10}$/.test(h.value))
      throw new SipParseError(`invalid Content-Length "${h.value.slice(0, 20)}"`);
    const n = Number(h.value);
    if (n > maxBody) throw new SipParseError('Content-Length too large', 413);
    if (found !== undefined) throw new SipParseError('more than one Content-Length');
    found = n;
  }
  return found;
}

/** Header fields while a head is read, copied out at their exact count (a pushed-to array reserves 17 slots). */
const scratch: Array<HeaderField | undefined> = [];

/** scratch[0, count) as an array of its own; the scratch then holds no message's fields. */
function exactCopy(count: number): HeaderField[] {
  const fields = scratch.slice(0, count) as HeaderField[];
  // A hostile message of thousands of lines leaves no scratch of its size behind.
  if (count > 256) scratch.length = 0;
  else scratch.fill(undefined, 0, count);
  return fields;
}

/**
 * Parse one SIP message from bytes (RFC 3261 §7). Throws MessageParseError; its `status` is the
 * response a request deserves (400, 505...) and `partial` is set when the headers could be read.
 */
export function parseMessage(data: Buffer, options: ParseOptions = {}): SipRequest | SipResponse {
  // RFC 3261 §7.5: ignore CRLFs before the start line.
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  let headEnd = findHeaderEnd(data, start);
  let sepLength = separatorLength;
  if (headEnd < 0) {
    // Tolerate a datagram that ends right after its last header line with a single CRLF.
    if (data.length > start && data[data.length - 1] === 0x0a) {
      headEnd = data.length;
      sepLength = 0;
    } else throw new MessageParseError('no end of header section', 400);
  }
  const head = data.toString('latin1', start, headEnd);
  if (head.length === 0) throw new MessageParseError('empty message', 400);
  let next = nextLogicalLine(head, 0);
  const firstEnd = lineTextEnd(head, next);
  // The start line is read in place in the head, unless folded (then from its unfolded text).
  const folded = head.lastIndexOf('\n', firstEnd - 1) >= 0;
  const line = folded ? unfold(head, 0, firstEnd) : head;
  const lineEnd = folded ? line.length : firstEnd;
  const isResponse = isSipPrefix(line, lineEnd);
  let message: SipRequest | SipResponse;
  let startLineError: SipParseError | undefined;
  try {
    message = isResponse ? parseStatusLine(line, lineEnd) : parseRequestLine(line, lineEnd);
  } catch (e) {
    if (isResponse) throw new MessageParseError((e as Error).message, 400);
    // Keep reading the headers of a broken request so that it can still be answered with 400.
    startLineError = e as SipParseError;
    const method = line.slice(0, Math.max(spaceIn(line, 0, lineEnd), 0));
    message = new SipRequest(isToken(method) ? method : 'UNKNOWN', '', NO_HEADERS);
  }
  const headerStart = next;
  // Whether every line ends in CRLF: then a header line's octets are its field's text + CRLF.
  let crlf = sepLength === 4 && !folded && endsInCrlf(head, next, firstEnd);
  let count = 0;
  let headerError: SipParseError | undefined;
  while (next < head.length) {
    const lineStart = next;
    next = nextLogicalLine(head, lineStart);
    const textEnd = lineTextEnd(head, next);
    crlf &&= endsInCrlf(head, next, textEnd);
    try {
      scratch[count] = parseHeaderAt(head, lineStart, textEnd);
      count++;
    } catch (e) {
      headerError ??= e as SipParseError;
    }
  }
  const headers = exactCopy(count);
  message.headers = headers;
  headerError ??= startLineError;
  if (headerError) throw new MessageParseError(headerError.message, 400, message);
  if (message instanceof SipRequest && message.version.toUpperCase() !== 'SIP/2.0') {
    throw new MessageParseError(`unsupported version ${message.version}`, 505, message);
  }
  const bodyStart = headEnd + sepLength;
  const available = data.length - bodyStart;
  let length: number | undefined;
  try {
    length = contentLength(headers, options.maxBodySize ?? MAX_BODY);
  } catch (e) {
    throw new MessageParseError((e as Error).message, (e as SipParseError).status, message);
  }
  if (length === undefined) {
    if (options.stream) throw new MessageParseError('missing Content-Length on a stream', 400, message);
    length = available;
  }
  if (length > available) {
    throw new MessageParseError(
      `Content-Length ${length} exceeds the ${available} octets received`,
      400,
      message,
    );
  }
  // Byte-exact reproduction only when nothing was skipped or ignored around the message.
  const keepsSource = start === 0 && bodyStart + length === data.length;
  if (length === 0 && !keepsSource) return message;
  const bytes = ownBytes(data);
  if (length > 0) message.body = bytes.subarray(bodyStart, bodyStart + length);
  if (keepsSource) message.attachSource(bytes, crlf ? Math.min(headerStart, headEnd) : undefined);
  return message;
}

/** Backing bytes beyond its own that a parsed message may keep alive (see ownBytes). */
const SHARED_SLACK = 16 * 1024;

/**
 * `data`, or a copy of it when it is a view into a much larger buffer (a receive batch holds up to
 * 1 MiB of datagrams): a message can outlive its turn (a ringing INVITE, a transaction waiting out
 * Timer J for 32 s), and its body and bytes must not keep the whole batch alive with it.
 */
function ownBytes(data: Buffer): Buffer {
  if (data.buffer.byteLength - data.byteLength <= SHARED_SLACK) return data;
  const own = Buffer.allocUnsafeSlow(data.byteLength);
  own.set(data);
  return own;
}

/**
 * The header fields of a message's own bytes: ones this module parsed, or a message's
 * serialization (SipMessage.toBuffer), read back when a compacted message is used again. A line
 * that is not a valid header is kept whole as its raw text, so nothing is lost on the way.
 */
export function readHeaderFields(source: Buffer): HeaderField[] {
  let start = 0;
  while (start < source.length && (source[start] === 0x0d || source[start] === 0x0a)) start++;
  const headEnd = findHeaderEnd(source, start);
  const head = source.toString('latin1', start, headEnd < 0 ? source.length : headEnd);
  const fields: HeaderField[] = [];
  let next = nextLogicalLine(head, 0); // past the start line
  while (next < head.length) {
    const lineStart = next;
    next = nextLogicalLine(head, lineStart);
    const end = lineTextEnd(head, next);
    try {
      fields.push(parseHeaderAt(head, lineStart, end));
    } catch {
      const raw = head.slice(lineStart, end);
      const text = head.lastIndexOf('\n', end - 1) >= lineStart ? unfold(head, lineStart, end) : raw;
      const colon = text.indexOf(':');
      const name = colon < 0 ? text : text.slice(0, colon).trim();
      fields.push({
        name,
        key: name.toLowerCase(),
        value: colon < 0 ? '' : text.slice(colon + 1).trim(),
        raw,
      });
    }
  }
  return fields;
}

setHeaderReader(readHeaderFields);
