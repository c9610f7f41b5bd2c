/**
 * Bencode (BEP 3), the encoding of rtpengine's ng control protocol.
 * Byte strings decode to Buffers (the caller decides what is text); integers to numbers.
 */

/** What `encodeBencode` accepts; `undefined` dictionary values are left out (optional ng keys). */
export type BencodeInput =
  | string
  | number
  | Uint8Array
  | readonly BencodeInput[]
  | { readonly [key: string]: BencodeInput | undefined };

/** What `decodeBencode` returns. */
export type BencodeValue = Buffer | number | BencodeValue[] | BencodeDict;
export interface BencodeDict {
  [key: string]: BencodeValue;
}

/** Malformed bencode input (decoding) or an unencodable value (encoding). */
export class BencodeError extends Error {
  constructor(
    message: string,
    /** Byte offset where decoding failed; -1 when encoding. */
    readonly offset: number,
  ) {
    super(offset >= 0 ? `${message} at byte ${offset}` : message);
    this.name = 'BencodeError';
  }
}

export interface DecodeOptions {
  /** Deepest list/dict nesting accepted (default 32); guards the stack against hostile input. */
  maxDepth?: number;
}

const I = 0x69; // 'i'
const L = 0x6c; // 'l'
const D = 0x64; // 'd'
const E = 0x65; // 'e'
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeBencode(value: BencodeInput): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts, 0);
  return Buffer.concat(parts);
}

function encodeInto(value: BencodeInput, parts: Buffer[], depth: number): void {
  if (depth > 64) throw new BencodeError('nesting too deep to encode', -1);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    parts.push(Buffer.from(`${bytes.length}:`, 'latin1'), bytes);
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BencodeError(`not a safe integer: ${value}`, -1);
    parts.push(Buffer.from(`i${value}e`, 'latin1'));
  } else if (value instanceof Uint8Array) {
    parts.push(Buffer.from(`${value.length}:`, 'latin1'), Buffer.from(value));
  } else if (Array.isArray(value)) {
    parts.push(Buffer.from('l', 'latin1'));
    for (const item of value as readonly BencodeInput[]) encodeInto(item, parts, depth + 1);
    parts.push(Buffer.from('e', 'latin1'));
  } else if (typeof value === 'object' && value !== null) {
    const dict = value as { readonly [key: string]: BencodeInput | undefined };
    // BEP 3: dictionary keys are sorted as raw byte strings.
    const keys = Object.keys(dict)
      .filter((k) => dict[k] !== undefined)
      .map((k) => Buffer.from(k, 'utf8'))
      .sort(Buffer.compare);
    parts.push(Buffer.from('d', 'latin1'));
    for (const key of keys) {
      parts.push(Buffer.from(`${key.length}:`, 'latin1'), key);
      encodeInto(dict[key.toString('utf8')] as BencodeInput, parts, depth + 1);
    }
    parts.push(Buffer.from('e', 'latin1'));
  } else {
    throw new BencodeError(`cannot encode ${value === null ? 'null' : typeof value}`, -1);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes exactly one value spanning all of `input`. Strict: no leading zeros, no `-0`,
 * no trailing bytes, no duplicate dictionary keys, lengths within the input, bounded depth.
 * Dictionary key order is NOT enforced: rtpengine 10.5 emits keys unsorted (e.g. `sdp` before `result`).
 * Throws BencodeError on any violation.
 */
export function decodeBencode(input: Uint8Array, options: DecodeOptions = {}): BencodeValue {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const decoder = new Decoder(buf, options.maxDepth ?? 32);
  const value = decoder.value(0);
  if (decoder.pos !== buf.length) throw new BencodeError('trailing bytes after value', decoder.pos);
  return value;
}

class Decoder {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
  ) {}

  value(depth: number): BencodeValue {
    const c = this.buf[this.pos];
    if (c === undefined) throw new BencodeError('unexpected end of input', this.pos);
    if (c === I) return this.integer();
    if (c === L) return this.list(depth);
    if (c === D) return this.dict(depth);
    if (c >= ZERO && c <= NINE) return this.bytes();
    throw new BencodeError(`unexpected byte 0x${c.toString(16)}`, this.pos);
  }

  private integer(): number {
    const start = ++this.pos;
    const end = this.buf.indexOf(E, start);
    if (end < 0) throw new BencodeError('unterminated integer', start);
    const text = this.buf.toString('latin1', start, end);
    // BEP 3: i-0e is invalid, and so are leading zeros except for i0e.
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) throw new BencodeError(`invalid integer "${text}"`, start);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new BencodeError(`integer out of range "${text}"`, start);
    this.pos = end + 1;
    return n;
  }

  private bytes(): Buffer {
    const start = this.pos;
    let length = 0;
    let p = start;
    for (;;) {
      const c = this.buf[p];
      if (c === undefined) throw new BencodeError('unterminated string length', start);
      if (c === COLON) break;
      if (c < ZERO || c > NINE) throw new BencodeError('invalid string length', p);
      if (p > start && this.buf[start] === ZERO)
        throw new BencodeError('leading zero in string length', start);
      length = length * 10 + (c - ZERO);
      if (length > this.buf.length) throw new BencodeError('string longer than the input', start);
      p++;
    }
    const from = p + 1;
    if (from + length > this.buf.length) throw new BencodeError('string longer than the input', start);
    this.pos = from + length;
    return this.buf.subarray(from, from + length);
  }

  private list(depth: number): BencodeValue[] {
    if (depth >= this.maxDepth) throw new BencodeError(`nesting deeper than ${this.maxDepth}`, this.pos);
    this.pos++;
    const out: BencodeValue[] = [];
    while (this.buf[this.pos] !== E) {
      if (this.pos >= this.buf.length) throw new BencodeError('unterminated list', this.pos);
      out.push(this.value(depth + 1));
    }
    this.pos++;
    return out;
  }

  private dict(depth: number): BencodeDict {
    if (depth >= this.maxDepth) throw new BencodeError(`nesting deeper than ${this.maxDepth}`, this.pos);
    this.pos++;
    // No prototype: a "__proto__" key from the network stays an ordinary key.
    const out = Object.create(null) as BencodeDict;
    while (this.buf[this.pos] !== E) {
      if (this.pos >= this.buf.length) throw new BencodeError('unterminated dictionary', this.pos);
      const c = this.buf[this.pos] as number;
      if (c < ZERO || c > NINE) throw new BencodeError('dictionary key is not a byte string', this.pos);
      const keyAt = this.pos;
      const key = this.bytes().toString('utf8');
      if (Object.hasOwn(out, key)) throw new BencodeError(`duplicate dictionary key "${key}"`, keyAt);
      out[key] = this.value(depth + 1);
    }
    this.pos++;
    return out;
  }
}
