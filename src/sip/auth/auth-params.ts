import { type DigestErrorCode, DigestParseError } from './errors.js';
import { fromWire } from './wire-text.js';

/** Largest header value we parse: real credentials are a few hundred octets. */
export const MAX_AUTH_VALUE_LENGTH = 8192;
/** Most parameters we accept: RFC 7616 defines about a dozen. */
export const MAX_AUTH_PARAMS = 64;

const TOKEN = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN[c.charCodeAt(0)] = 1;
}

function isToken(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** The auth-scheme token (RFC 7235 §2.1) and the index just past it. */
export function readScheme(value: string): { scheme: string; end: number } {
  if (value.length > MAX_AUTH_VALUE_LENGTH) throw new DigestParseError('too-large', 'header value too long');
  const start = skipSpace(value, 0);
  let i = start;
  while (i < value.length && isToken(value.charCodeAt(i))) i++;
  if (i === start) throw new DigestParseError('syntax', 'missing auth-scheme');
  if (i < value.length && !isSpace(value.charCodeAt(i))) {
    throw new DigestParseError('syntax', 'auth-scheme not followed by whitespace');
  }
  return { scheme: value.slice(start, i), end: i };
}

/**
 * Parse `name=value, name="quoted \"value\""` from `start` (RFC 3261 §25.1 auth-param, RFC 7235
 * §2.1). One left-to-right pass, no backtracking: linear in the input. Names are lower-cased
 * (they are case-insensitive); values are returned unquoted, still as binary header text.
 * Empty list elements and LWS around `=` and `,` are tolerated (RFC 7230 §7); duplicates are not,
 * since which copy a peer honours would be ambiguous.
 */
export function parseAuthParams(value: string, start: number): Map<string, string> {
  const params = new Map<string, string>();
  const n = value.length;
  const fail = (code: DigestErrorCode, message: string): never => {
    const realm = params.get('realm');
    throw new DigestParseError(code, message, realm === undefined ? undefined : fromWire(realm));
  };
  let i = start;
  for (;;) {
    while (i < n && (isSpace(value.charCodeAt(i)) || value.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) return params;

    const nameStart = i;
    while (i < n && isToken(value.charCodeAt(i))) i++;
    if (i === nameStart) fail('syntax', `unexpected character at offset ${i}`);
    const name = value.slice(nameStart, i).toLowerCase();
    i = skipSpace(value, i);
    if (value.charCodeAt(i) !== 0x3d) fail('syntax', `expected '=' after parameter ${name.slice(0, 32)}`);
    i = skipSpace(value, i + 1);

    let v = '';
    if (value.charCodeAt(i) === 0x22) {
      // quoted-string: copy the runs between quoted-pairs (RFC 3261 §25.1).
      let run = i + 1;
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const c = value.charCodeAt(j);
        if (c === 0x5c) {
          if (j + 1 >= n) break;
          v += value.slice(run, j) + value[j + 1];
          j += 2;
          run = j;
        } else if (c === 0x22) {
          v += value.slice(run, j);
          closed = true;
          j++;
          break;
        } else j++;
      }
      if (!closed) fail('syntax', `unterminated quoted string in ${name.slice(0, 32)}`);
      i = j;
    } else {
      // token; tolerant of the base64 and URI characters peers leave unquoted (nonce, uri).
      const valueStart = i;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c === 0x2c || isSpace(c)) break;
        if (c === 0x22) fail('syntax', `stray quote in ${name.slice(0, 32)}`);
        i++;
      }
      if (i === valueStart) fail('syntax', `empty value for ${name.slice(0, 32)}`);
      v = value.slice(valueStart, i);
    }

    i = skipSpace(value, i);
    if (i < n && value.charCodeAt(i) !== 0x2c) fail('syntax', `expected ',' at offset ${i}`);
    if (params.has(name)) fail('syntax', `duplicate parameter ${name.slice(0, 32)}`);
    if (params.size >= MAX_AUTH_PARAMS) fail('too-large', 'too many parameters');
    params.set(name, v);
  }
}
