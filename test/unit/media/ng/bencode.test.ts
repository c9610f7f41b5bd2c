import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BencodeError,
  type BencodeInput,
  type BencodeValue,
  decodeBencode,
  encodeBencode,
} from '../../../../src/media/ng/index.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const decode = (s: string) => decodeBencode(b(s));

/** The decoded form of an encoder input: strings become Buffers. */
function decodedForm(value: BencodeInput): BencodeValue {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'number') return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(decodedForm);
  const out: Record<string, BencodeValue> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = decodedForm(v as BencodeInput);
  return out;
}

describe('encodeBencode', () => {
  it('encodes the BEP 3 examples', () => {
    expect(encodeBencode('spam').toString()).toBe('4:spam');
    expect(encodeBencode(3).toString()).toBe('i3e');
    expect(encodeBencode(-3).toString()).toBe('i-3e');
    expect(encodeBencode(0).toString()).toBe('i0e');
    expect(encodeBencode(['spam', 'eggs']).toString()).toBe('l4:spam4:eggse');
    expect(encodeBencode({ cow: 'moo', spam: 'eggs' }).toString()).toBe('d3:cow3:moo4:spam4:eggse');
    expect(encodeBencode('').toString()).toBe('0:');
  });

  it('sorts keys as raw bytes and leaves out undefined values', () => {
    expect(
      encodeBencode({ sdp: 'x', 'call-id': 'c', 'from-tag': undefined, command: 'offer' }).toString(),
    ).toBe('d7:call-id1:c7:command5:offer3:sdp1:xe');
    // 'Z' (0x5a) sorts before 'a' (0x61); 'é' (0xc3 0xa9 in utf8) after both.
    expect(encodeBencode({ a: 1, Z: 2, é: 3 }).toString('utf8')).toBe('d1:Zi2e1:ai1e2:éi3ee');
  });

  it('counts utf8 bytes, not characters, and keeps binary untouched', () => {
    expect(encodeBencode('é').toString('utf8')).toBe('2:é');
    expect(encodeBencode(Buffer.from([0, 255, 32]))).toEqual(Buffer.from([0x33, 0x3a, 0, 255, 32]));
  });

  it('refuses values bencode cannot carry', () => {
    expect(() => encodeBencode(1.5)).toThrow(BencodeError);
    expect(() => encodeBencode(Number.MAX_SAFE_INTEGER + 1)).toThrow(BencodeError);
    expect(() => encodeBencode(null as unknown as BencodeInput)).toThrow(BencodeError);
    expect(() => encodeBencode(true as unknown as BencodeInput)).toThrow(BencodeError);
  });
});

describe('decodeBencode', () => {
  it('decodes byte strings to Buffers, integers, lists and dicts', () => {
    expect(decode('4:spam')).toEqual(b('spam'));
    expect(decode('i-42e')).toBe(-42);
    expect(decode('le')).toEqual([]);
    expect(decode('l4:spami7ee')).toEqual([b('spam'), 7]);
    expect(decode('d3:cowl1:a1:bee')).toEqual({ cow: [b('a'), b('b')] });
  });

  it('accepts dictionary keys out of order (rtpengine 10.5 sends sdp before result)', () => {
    expect(decode('d3:sdp1:x6:result2:oke')).toEqual({ sdp: b('x'), result: b('ok') });
  });

  it('keeps a "__proto__" key as data, not as a prototype', () => {
    const value = decode('d9:__proto__d1:xi1eee') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect((value as { x?: unknown }).x).toBeUndefined();
  });

  const malformed: Array<[string, string]> = [
    ['empty input', ''],
    ['unknown type byte', 'x'],
    ['unterminated integer', 'i12'],
    ['empty integer', 'ie'],
    ['negative zero', 'i-0e'],
    ['leading zero', 'i03e'],
    ['non-digit integer', 'i1a2e'],
    ['bare minus', 'i-e'],
    ['integer beyond 2^53', 'i99999999999999999999e'],
    ['string longer than input', '5:abc'],
    ['huge string length', '99999999999999999999:a'],
    ['leading zero in length', '01:a'],
    ['missing colon', '3abc'],
    ['unterminated list', 'l1:a'],
    ['unterminated dict', 'd1:a1:b'],
    ['dict key not a string', 'di1ei2ee'],
    ['dict without a value', 'd1:ae'],
    ['duplicate key', 'd1:ai1e1:ai2ee'],
    ['trailing bytes', 'i1ei2e'],
    ['trailing garbage after dict', 'de '],
  ];
  for (const [name, input] of malformed) {
    it(`rejects ${name} with a BencodeError`, () => {
      expect(() => decode(input)).toThrow(BencodeError);
    });
  }

  it('bounds nesting depth', () => {
    const deep = 'l'.repeat(40) + 'e'.repeat(40);
    expect(() => decode(deep)).toThrow(/nesting deeper than 32/);
    expect(decodeBencode(b(deep), { maxDepth: 64 })).toBeInstanceOf(Array);
    expect(() => decode('l'.repeat(100_000))).toThrow(BencodeError);
  });

  it('reports the offset of the fault', () => {
    try {
      decode('l4:spami01ee');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BencodeError);
      expect((error as BencodeError).offset).toBe(8);
    }
  });

  it('never throws anything but BencodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeBencode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BencodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('round trip', () => {
  const value: fc.Arbitrary<BencodeInput> = fc.letrec<{ value: BencodeInput }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ unit: 'binary' }),
      fc.maxSafeInteger(),
      fc.uint8Array({ maxLength: 16 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

  it('decode(encode(x)) equals x with strings as Buffers, and encoding is canonical', () => {
    fc.assert(
      fc.property(value, (input) => {
        const encoded = encodeBencode(input);
        const decoded = decodeBencode(encoded, { maxDepth: 64 });
        expect(decoded).toEqual(decodedForm(input));
        expect(encodeBencode(decoded as BencodeInput)).toEqual(encoded);
      }),
      { numRuns: 500 },
    );
  });
});
