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

/** Split the header section into logical lines, joining folded continuation lines (RFC 3261 §7.3.1). */
function splitHeaderLines(head: string): Array<{ raw: string; text: string }> {
  const out: Array<{ raw: string; text: string; start: number }> = [];
  let pos = 0;
  const n = head.length;
  while (pos < n) {
    let end = head.indexOf('\n', pos);
    if (end < 0) end = n;
    const lineEnd = end > pos && head.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    const line = head.slice(pos, lineEnd);
    const first = line.charCodeAt(0);
    const last = out[out.length - 1];
    if ((first === 0x20 || first === 0x09) && last) {
      // A continuation line: the logical line's raw text runs from its first line to here.
      last.raw = head.slice(last.start, lineEnd);
      last.text += ' ' + line.trim();
    } else {
      out.push({ raw: line, text: line, start: pos });
    }
    pos = end + 1;
  }
  return out;
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
  const field: HeaderField = { name, key: headerKey(name), value };
  // Keep the raw line only where `Name: value` would not reproduce it (folding, odd spacing).
  const raw = line.raw;
  if (raw.length !== name.length + 2 + value.length || raw.charCodeAt(name.length + 1) !== 0x20)
    field.raw = raw;
  return field;
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
  const lines = splitHeaderLines(head);
  const first = lines.shift();
  if (!first) throw new MessageParseError('empty message', 400);
  const isResponse = first.text.slice(0, 4).toUpperCase() === 'SIP/';
  let message: SipRequest | SipResponse;
  let startLineError: SipParseError | undefined;
  try {
    message = isResponse ? parseStatusLine(first.text) : parseRequestLine(first.text);
  } catch (e) {
    if (isResponse) throw new MessageParseError((e as Error).message, 400);
    // Keep reading the headers of a broken request so that it can still be answered with 400.
    startLineError = e as SipParseError;
    const method = first.text.slice(0, Math.max(first.text.indexOf(' '), 0));
    message = new SipRequest(isToken(method) ? method : 'UNKNOWN', '');
  }
  const headers: HeaderField[] = [];
  let headerError: SipParseError | undefined;
  for (const line of lines) {
    try {
      headers.push(parseHeaderLine(line));
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
  const lines = splitHeaderLines(source.toString('latin1', start, headEnd < 0 ? source.length : headEnd));
  lines.shift(); // the start line
  return lines.map((line) => {
    try {
      return parseHeaderLine(line);
    } catch {
      const colon = line.text.indexOf(':');
      const name = colon < 0 ? line.text : line.text.slice(0, colon).trim();
      return {
        name,
        key: name.toLowerCase(),
        value: colon < 0 ? '' : line.text.slice(colon + 1).trim(),
        raw: line.raw,
      };
    }
  });
}

setHeaderReader(readHeaderFields);
