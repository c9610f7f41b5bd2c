import { SipParseError } from '../message/errors.js';
import type { HeaderField } from '../message/header-field.js';
import { headerKey, internHeaderName } from '../message/header-names.js';
import { type SipMessage, SipRequest, SipResponse, setHeaderReader } from '../message/message.js';
import { isToken, isTokenChar } from '../message/scan.js';

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

/** Find the end of the header section: index of the empty line and the length of the separator. */
function findHeaderEnd(data: Buffer, from: number): [number, number] {
  const crlf = data.indexOf('\r\n\r\n', from, 'latin1');
  const lf = data.indexOf('\n\n', from, 'latin1');
  // Whichever blank line comes first ends the headers (a CRLF body may follow LF-only headers).
  if (lf >= 0 && (crlf < 0 || lf < crlf + 2)) return [lf, 2];
  if (crlf >= 0) return [crlf, 4];
  return [-1, 0];
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

/** JavaScript's trim() whitespace among latin1 octets: what the header text was trimmed of. */
function isTrimmed(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
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
  const name = internHeaderName(head.slice(start, nameEnd));
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

function parseRequestLine(line: string): SipRequest {
  // RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, single spaces (lwsstart/trws: 400).
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
    throw new SipParseError('malformed Request-Line');
  }
  const method = line.slice(0, sp1);
  const uri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) throw new SipParseError('invalid method in Request-Line');
  if (uri.length === 0) throw new SipParseError('empty Request-URI');
  if (!/^SIP\/\d+\.\d+$/i.test(version)) throw new SipParseError('malformed SIP-Version in Request-Line');
  return new SipRequest(method, uri, [], undefined, version);
}

function parseStatusLine(line: string): SipResponse {
  // RFC 3261 §7.2: SIP-Version SP Status-Code SP Reason-Phrase; tolerate a missing final SP.
  const sp1 = line.indexOf(' ');
  const version = line.slice(0, sp1);
  const rest = line.slice(sp1 + 1);
  const code = rest.slice(0, 3);
  if (!/^[1-6]\d\d$/.test(code) || (rest.length > 3 && rest[3] !== ' ')) {
    throw new SipParseError('malformed Status-Code');
  }
  if (version.toUpperCase() !== 'SIP/2.0') throw new SipParseError('unsupported SIP-Version in Status-Line');
  return new SipResponse(Number(code), rest.slice(4), [], undefined, version);
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

/**
 * Parse one SIP message from bytes (RFC 3261 §7). Throws MessageParseError; its `status` is the
 * response a request deserves (400, 505...) and `partial` is set when the headers could be read.
 */
export function parseMessage(data: Buffer, options: ParseOptions = {}): SipRequest | SipResponse {
  // RFC 3261 §7.5: ignore CRLFs before the start line.
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  let [headEnd, sepLength] = findHeaderEnd(data, start);
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
  const first =
    head.lastIndexOf('\n', firstEnd - 1) >= 0 ? unfold(head, 0, firstEnd) : head.slice(0, firstEnd);
  const isResponse = first.slice(0, 4).toUpperCase() === 'SIP/';
  let message: SipRequest | SipResponse;
  let startLineError: SipParseError | undefined;
  try {
    message = isResponse ? parseStatusLine(first) : parseRequestLine(first);
  } catch (e) {
    if (isResponse) throw new MessageParseError((e as Error).message, 400);
    // Keep reading the headers of a broken request so that it can still be answered with 400.
    startLineError = e as SipParseError;
    const method = first.slice(0, Math.max(first.indexOf(' '), 0));
    message = new SipRequest(isToken(method) ? method : 'UNKNOWN', '');
  }
  const headers: HeaderField[] = [];
  let headerError: SipParseError | undefined;
  while (next < head.length) {
    const lineStart = next;
    next = nextLogicalLine(head, lineStart);
    try {
      headers.push(parseHeaderAt(head, lineStart, lineTextEnd(head, next)));
    } catch (e) {
      headerError ??= e as SipParseError;
    }
  }
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
  message.body = data.subarray(bodyStart, bodyStart + length);
  // Byte-exact reproduction only when nothing was skipped or ignored around the message.
  if (start === 0 && bodyStart + length === data.length) message.attachSource(data);
  return message;
}

/**
 * The header fields of a message's own bytes: ones this module parsed, or a message's
 * serialization (SipMessage.toBuffer), read back when a compacted message is used again. A line
 * that is not a valid header is kept whole as its raw text, so nothing is lost on the way.
 */
export function readHeaderFields(source: Buffer): HeaderField[] {
  let start = 0;
  while (start < source.length && (source[start] === 0x0d || source[start] === 0x0a)) start++;
  const [headEnd] = findHeaderEnd(source, start);
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
