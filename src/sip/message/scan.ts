/**
 * Small linear scanners over header text. Header text is held as a "binary string"
 * (latin1: one char per octet) so that any octet round-trips exactly.
 */

const TOKEN_CHARS = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN_CHARS[c.charCodeAt(0)] = 1;
}

/** RFC 3261 §25.1 token character. */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN_CHARS[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/** JavaScript's trim() whitespace below U+0100: what header text is trimmed of. */
export function isTrimmed(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

/** End of s[start, end) once trimEnd() would have removed its trailing whitespace, without the copy. */
export function trimmedEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    // Header text is latin1; a string from code may end in wider whitespace (U+3000...).
    if (!isTrimmed(c) && (c < 0x100 || !/\s/.test(s[end - 1]!))) break;
    end--;
  }
  return end;
}

export function skipWhitespace(s: string, i: number): number {
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Index just past the closing quote of the quoted string starting at `i` (which holds `"`),
 * honouring backslash escapes (RFC 3261 §25.1 quoted-pair); -1 if it never closes.
 */
export function endOfQuotedString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** The content of a quoted string without quotes and with quoted-pairs resolved. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== 0x22) return s;
  let out = '';
  for (let j = 1; j < s.length - 1; j++) {
    const c = s[j]!;
    if (c === '\\' && j + 1 < s.length - 1) {
      out += s[j + 1];
      j++;
    } else out += c;
  }
  return out;
}

export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

/**
 * Split a list header value on the commas that separate its elements (RFC 3261 §7.3.1),
 * ignoring commas inside quoted strings and <...>. Elements are trimmed; empty ones dropped.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const end = endOfQuotedString(value, i);
      if (end < 0) break; // unterminated: the rest is one element, its parser reports it
      i = end - 1;
    } else if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** Parse a decimal integer with a bound; undefined when not all digits or above max. */
export function parseBoundedInt(s: string, max: number): number | undefined {
  if (s.length === 0 || s.length > 10) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n <= max ? n : undefined;
}
