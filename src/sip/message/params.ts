import { SipParseError } from './errors.js';
import { endOfQuotedString, isTokenChar, isWhitespace, skipWhitespace } from './scan.js';

/**
 * An ordered list of `;name=value` parameters. Names compare case-insensitively
 * (RFC 3261 §7.3.1); names and values keep their spelling for serialization.
 * A value of null is a flag parameter (`;lr`).
 */
export class Parameters {
  /** Name, value, name, value...: flat, not an array per parameter (a message has dozens). */
  private entries: Array<string | null>;

  constructor(entries?: Array<[string, string | null]>) {
    this.entries = entries === undefined || entries.length === 0 ? [] : entries.flat();
  }

  /** From names and values already flat (`[name, value, name, value...]`); the array is kept. */
  static fromFlat(entries: Array<string | null>): Parameters {
    const params = new Parameters();
    params.entries = entries;
    return params;
  }

  get size(): number {
    return this.entries.length >> 1;
  }

  has(name: string): boolean {
    return this.index(name) >= 0;
  }

  /** The value (raw, quotes kept), null for a flag, undefined when absent. */
  get(name: string): string | null | undefined {
    const i = this.index(name);
    return i < 0 ? undefined : (this.entries[i + 1] as string | null);
  }

  set(name: string, value: string | null): this {
    const i = this.index(name);
    if (i < 0) this.entries.push(name, value);
    else this.entries[i + 1] = value;
    return this;
  }

  /** Append without looking for an existing entry: parsers use it to stay linear on hostile input. */
  add(name: string, value: string | null): this {
    this.entries.push(name, value);
    return this;
  }

  delete(name: string): boolean {
    const i = this.index(name);
    if (i < 0) return false;
    this.entries.splice(i, 2);
    return true;
  }

  *[Symbol.iterator](): IterableIterator<[string, string | null]> {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 2) yield [entries[i] as string, entries[i + 1] as string | null];
  }

  clone(): Parameters {
    return Parameters.fromFlat(this.entries.slice());
  }

  /** `;a=1;lr` (empty string for no parameters). */
  toString(): string {
    let s = '';
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 2) {
      const v = entries[i + 1];
      s += v === null ? `;${entries[i]}` : `;${entries[i]}=${v}`;
    }
    return s;
  }

  /** Position of the name in `entries`, or -1. */
  private index(name: string): number {
    for (let i = 0; i < this.entries.length; i += 2) {
      if (sameName(this.entries[i] as string, name)) return i;
    }
    return -1;
  }
}

/** Parameter names as most user agents write them, by length: no substring per parameter. */
const commonNames: string[][] = [];
for (const name of ['branch', 'rport', 'received', 'tag', 'lr', 'transport', 'expires', 'q', 'ob', 'user']) {
  (commonNames[name.length] ??= []).push(name);
}

/** s[start, end) as a parameter name: the shared string when it is a common one. */
export function parameterName(s: string, start: number, end: number): string {
  const candidates = commonNames[end - start];
  if (candidates !== undefined) for (const name of candidates) if (s.startsWith(name, start)) return name;
  return s.slice(start, end);
}

/**
 * `a.toLowerCase() === b.toLowerCase()` without the two lower-cased copies per comparison (every
 * `tag` and `branch` read): ASCII letters fold in place, anything else takes toLowerCase.
 */
function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x >= 0x80 || y >= 0x80) return a.toLowerCase() === b.toLowerCase();
    // Up to here both are ASCII, which lower-cases one character to one: a difference is final.
    if (x !== y && lowerAscii(x) !== lowerAscii(y)) return false;
  }
  if (a.length === b.length) return true;
  // Equal so far: the longer one's rest could only vanish in toLowerCase if it is not ASCII.
  return a.toLowerCase() === b.toLowerCase();
}

function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

export interface ParsedParameters {
  params: Parameters;
  /** Index of the first character not consumed (end of string, or a ',' / '?' stop char). */
  end: number;
}

/**
 * Parse header parameters `*( SEMI generic-param )` from `s` at `i` (which is at ';' or end).
 * Values are tokens, host names, IPv6 references or quoted strings (RFC 3261 §25.1).
 * LWS is allowed around ';' and '='. Stops at end of string or at a stop character.
 */
export function parseParameters(s: string, i: number, stopChars = ''): ParsedParameters {
  const params = parseParametersTo(s, i, stopChars);
  return { params, end: parametersEnd };
}

/** Where the last parseParametersTo stopped (its ParsedParameters.end), so no result object per call. */
export let parametersEnd = 0;

/** parseParameters for the message's own parsers: the end goes to `parametersEnd`. */
export function parseParametersTo(s: string, i: number, stopChars = ''): Parameters {
  scratchCount = 0;
  try {
    parametersEnd = readParameters(s, i, stopChars, true);
    return scratchCount === 0 ? new Parameters() : Parameters.fromFlat(scratch.slice(0, scratchCount));
  } finally {
    scratch.fill(null, 0, scratchCount); // hold no strings of this message
  }
}

/** Throws what parseParametersTo would, building nothing; where they end goes to `parametersEnd`. */
export function checkParametersTo(s: string, i: number): void {
  parametersEnd = readParameters(s, i, '', false);
}

/** Names and values while parsing, copied out at their exact count (a pushed-to array reserves 17 slots). */
const scratch: Array<string | null> = [];
let scratchCount = 0;

/** The parameters' names and values into `scratch` (with `build`, else only checked); returns where they end. */
function readParameters(s: string, i: number, stopChars: string, build: boolean): number {
  const n = s.length;
  i = skipWhitespace(s, i);
  while (i < n) {
    const c = s[i]!;
    if (stopChars.includes(c)) break;
    if (c !== ';') throw new SipParseError(`unexpected "${c}" where a ";" parameter was expected`);
    i = skipWhitespace(s, i + 1);
    const nameStart = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) throw new SipParseError('empty parameter name');
    const nameEnd = i;
    i = skipWhitespace(s, i);
    let value: string | null = null;
    if (s[i] === '=') {
      i = skipWhitespace(s, i + 1);
      const valueStart = i;
      if (s[i] === '"') {
        const end = endOfQuotedString(s, i);
        if (end < 0)
          throw new SipParseError(`unterminated quoted string in parameter "${s.slice(nameStart, nameEnd)}"`);
        i = end;
      } else if (s[i] === '[') {
        const end = s.indexOf(']', i);
        if (end < 0)
          throw new SipParseError(
            `unterminated IPv6 reference in parameter "${s.slice(nameStart, nameEnd)}"`,
          );
        i = end + 1;
      } else {
        while (i < n) {
          const code = s.charCodeAt(i);
          if (!isTokenChar(code) && code !== 0x3a /* : (host:port in some vendors' params) */) break;
          i++;
        }
      }
      if (i === valueStart)
        throw new SipParseError(`empty value for parameter "${s.slice(nameStart, nameEnd)}"`);
      if (build) value = s.slice(valueStart, i);
    }
    if (build) {
      scratch[scratchCount++] = parameterName(s, nameStart, nameEnd);
      scratch[scratchCount++] = value;
    }
    i = skipWhitespace(s, i);
    // Trailing characters that are neither ';' nor a stop char are an error (checked at loop top).
    if (i < n && !isWhitespace(s.charCodeAt(i)) && s[i] !== ';' && !stopChars.includes(s[i]!)) {
      throw new SipParseError(`unexpected "${s[i]}" after parameter "${s.slice(nameStart, nameEnd)}"`);
    }
  }
  return i;
}
