import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseRange } from '../../../src/api/index.js';

describe('parseRange (RFC 9110 §14.1.2)', () => {
  test('the three forms of a byte range', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'part', start: 0, end: 99 });
    expect(parseRange('bytes=100-', 1000)).toEqual({ kind: 'part', start: 100, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'part', start: 900, end: 999 });
    expect(parseRange('Bytes = 5 - 9', 1000)).toEqual({ kind: 'part', start: 5, end: 9 });
  });

  test('clipping, unsatisfiable and ignored ranges', () => {
    expect(parseRange('bytes=990-2000', 1000)).toEqual({ kind: 'part', start: 990, end: 999 });
    expect(parseRange('bytes=-2000', 1000)).toEqual({ kind: 'part', start: 0, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
    for (const header of [
      undefined,
      '',
      'bytes=',
      'bytes=-',
      'bytes=a-b',
      'bytes=9-3',
      'pages=1-2',
      'bytes=0-1,3-4',
    ]) {
      expect(parseRange(header, 1000), String(header)).toEqual({ kind: 'whole' });
    }
    expect(parseRange('bytes=99999999999999999999-', 1000)).toEqual({ kind: 'whole' });
  });

  test('any satisfiable answer lies inside the file', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.nat(10_000), (tail, size) => {
        const result = parseRange(`bytes=${tail}`, size);
        if (result.kind === 'part') {
          expect(result.start).toBeGreaterThanOrEqual(0);
          expect(result.start).toBeLessThanOrEqual(result.end);
          expect(result.end).toBeLessThan(size);
        }
      }),
      { numRuns: 500 },
    );
  });
});
