import { randomBytes } from 'node:crypto';
import { MultipartError } from './errors.js';
import { parseMediaType } from './media-type.js';

/** The headers of one body part; lookups ignore case (RFC 2045 §3, RFC 822 field names). */
export class PartHeaders {
  constructor(readonly entries: ReadonlyArray<readonly [name: string, value: string]>) {}

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    for (const [n, v] of this.entries) if (n.toLowerCase() === key) return v;
    return undefined;
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    return this.entries.filter(([n]) => n.toLowerCase() === key).map(([, v]) => v);
  }
}

export interface MultipartPart {
  headers: PartHeaders;
  /** The Content-Type value as written, when present. */
  contentType: string | undefined;
  /** Lower-cased `type/subtype`; `text/plain` when the part has no Content-Type (RFC 2046 §5.1). */
  mediaType: string;
  contentDisposition: string | undefined;
  contentId: string | undefined;
  body: Buffer;
  /** The inner parts, when this part is itself multipart (depth-limited). */
  parts?: MultipartPart[];
}

export interface MultipartLimits {
  /** Parts allowed in the whole body, nested ones included (default 16). */
  maxParts?: number;
  /** Bytes allowed in one part's header block (default 8192). */
  maxHeaderBytes?: number;
  /** Levels of multipart allowed, the outer one counting as 1 (default 2). */
  maxDepth?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/**
 * Splits a multipart body (RFC 2046 §5.1.1). The boundary comes from the Content-Type parameter;
 * the preamble and the epilogue are ignored; lines may end in CRLF or a bare LF (seen in the wild).
 * Throws only MultipartError.
 */
export function parseMultipart(
  contentType: string,
  body: Buffer,
  limits: MultipartLimits = {},
): MultipartPart[] {
  const state = {
    parts: 0,
    maxParts: limits.maxParts ?? 16,
    maxHeaderBytes: limits.maxHeaderBytes ?? 8192,
    maxDepth: limits.maxDepth ?? 2,
  };
  return parseLevel(contentType, body, 1, state);
}

interface ParseState {
  parts: number;
  maxParts: number;
  maxHeaderBytes: number;
  maxDepth: number;
}

function parseLevel(contentType: string, body: Buffer, depth: number, state: ParseState): MultipartPart[] {
  if (depth > state.maxDepth) {
    throw new MultipartError('too-deep', `multipart nested deeper than ${state.maxDepth} levels`);
  }
  const mt = parseMediaType(contentType);
  if (!mt.type.startsWith('multipart/')) {
    throw new MultipartError('not-multipart', `Content-Type "${mt.type.slice(0, 60)}" is not multipart`);
  }
  const boundary = mt.params.get('boundary');
  if (boundary === undefined || boundary === '') {
    throw new MultipartError('no-boundary', `Content-Type "${mt.type}" has no boundary parameter`);
  }
  // RFC 2046 §5.1.1: 1 to 70 characters.
  if (boundary.length > 70) {
    throw new MultipartError('bad-boundary', `boundary is ${boundary.length} characters (at most 70)`);
  }
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let at = findDelimiter(body, delimiter, 0);
  if (at < 0)
    throw new MultipartError('no-opening-delimiter', `no "--${boundary}" delimiter line in the body`);
  const parts: MultipartPart[] = [];
  for (;;) {
    let cursor = at + delimiter.length;
    if (body[cursor] === DASH && body[cursor + 1] === DASH) return parts; // close-delimiter
    cursor = skipLineEnd(body, cursor);
    if (cursor < 0)
      throw new MultipartError('no-closing-delimiter', `delimiter line not ended (no "--${boundary}--")`);
    const next = findDelimiter(body, delimiter, cursor);
    if (next < 0) throw new MultipartError('no-closing-delimiter', `no closing "--${boundary}--" delimiter`);
    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let end = next;
    if (end > cursor && body[end - 1] === LF) end--;
    if (end > cursor && body[end - 1] === CR) end--;
    state.parts++;
    if (state.parts > state.maxParts) {
      throw new MultipartError('too-many-parts', `more than ${state.maxParts} body parts`);
    }
    parts.push(parsePart(body.subarray(cursor, Math.max(end, cursor)), depth, state));
    at = next;
  }
}

/** Index of the next delimiter that starts a line (at `from` when from is a line start), or -1. */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const hit = body.indexOf(delimiter, i);
    if (hit < 0) return -1;
    const after = body[hit + delimiter.length];
    // A delimiter starts a line and is followed by "--", padding or the line end; "--abcd" is not "--abc".
    const ends =
      after === undefined ||
      after === DASH ||
      after === CR ||
      after === LF ||
      after === 0x20 ||
      after === 0x09;
    if ((hit === 0 || body[hit - 1] === LF) && ends) return hit;
    i = hit + 1;
  }
}

/** Skips transport padding (LWSP, RFC 2046 §5.1.1) and one CRLF or LF; -1 when no line end follows. */
function skipLineEnd(body: Buffer, from: number): number {
  let i = from;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09)) i++;
  if (body[i] === CR && body[i + 1] === LF) return i + 2;
  if (body[i] === LF) return i + 1;
  return -1;
}

function parsePart(raw: Buffer, depth: number, state: ParseState): MultipartPart {
  // The header block ends at the first empty line; a part starting with an empty line has none.
  let headerEnd = -1;
  let bodyStart = 0;
  if (raw[0] === LF) bodyStart = 1;
  else if (raw[0] === CR && raw[1] === LF) bodyStart = 2;
  else {
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] !== LF) continue;
      if (raw[i + 1] === LF) {
        headerEnd = i;
        bodyStart = i + 2;
        break;
      }
      if (raw[i + 1] === CR && raw[i + 2] === LF) {
        headerEnd = i;
        bodyStart = i + 3;
        break;
      }
      if (i > state.maxHeaderBytes) break;
    }
    if (headerEnd < 0) {
      // No empty line: the whole part is headers with an empty body (allowed), within the limit.
      headerEnd = raw.length;
      bodyStart = raw.length;
    }
  }
  if (headerEnd > state.maxHeaderBytes) {
    throw new MultipartError('headers-too-large', `part headers exceed ${state.maxHeaderBytes} bytes`);
  }
  const headers = new PartHeaders(
    headerEnd > 0 ? parseHeaderBlock(raw.toString('latin1', 0, headerEnd)) : [],
  );
  const contentType = headers.get('content-type');
  const mediaType = contentType === undefined ? 'text/plain' : parseMediaType(contentType).type;
  const part: MultipartPart = {
    headers,
    contentType,
    mediaType,
    contentDisposition: headers.get('content-disposition'),
    contentId: headers.get('content-id'),
    body: raw.subarray(bodyStart),
  };
  if (contentType !== undefined && mediaType.startsWith('multipart/')) {
    part.parts = parseLevel(contentType, part.body, depth + 1, state);
  }
  return part;
}

function parseHeaderBlock(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      // RFC 822 folding: a continuation of the previous field.
      const last = out[out.length - 1];
      if (!last)
        throw new MultipartError('malformed-header', 'part header block starts with a continuation line');
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new MultipartError('malformed-header', `part header line without a name: "${line.slice(0, 40)}"`);
    }
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

export interface MultipartInput {
  contentType: string;
  body: Buffer | string;
  contentDisposition?: string;
  contentId?: string;
  /** Further part headers, written after the ones above. */
  headers?: Record<string, string>;
}

/**
 * Builds a multipart/mixed body (RFC 2046 §5.1) with CRLF line ends and a random boundary that
 * appears in none of the parts (RFC 2046 §5.1.1 requires it).
 */
export function buildMultipart(
  parts: MultipartInput[],
  options: { boundary?: string; subtype?: string } = {},
): { contentType: string; body: Buffer } {
  const bodies = parts.map((p) => (typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body));
  let boundary = options.boundary ?? randomBoundary();
  while (bodies.some((b) => b.includes(`--${boundary}`))) {
    if (options.boundary !== undefined)
      throw new MultipartError('bad-boundary', 'boundary occurs inside a part');
    boundary = randomBoundary();
  }
  const chunks: Buffer[] = [];
  parts.forEach((p, i) => {
    let head = `--${boundary}\r\nContent-Type: ${p.contentType}\r\n`;
    if (p.contentDisposition !== undefined) head += `Content-Disposition: ${p.contentDisposition}\r\n`;
    if (p.contentId !== undefined) head += `Content-ID: ${p.contentId}\r\n`;
    for (const [n, v] of Object.entries(p.headers ?? {})) head += `${n}: ${v}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'latin1'), bodies[i]!, Buffer.from('\r\n', 'latin1'));
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return {
    contentType: `multipart/${options.subtype ?? 'mixed'};boundary=${boundary}`,
    body: Buffer.concat(chunks),
  };
}

function randomBoundary(): string {
  return `sb-${randomBytes(12).toString('hex')}`;
}
