import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { counter, parseSippStats } from './sipp-stats.js';

describe('parseSippStats', () => {
  const csv = readFileSync(new URL('./fixtures/sipp-stat.csv', import.meta.url), 'utf8');

  it('reads the totals of the last line by column name', () => {
    const stats = parseSippStats(csv);
    expect(stats.successful).toBe(398);
    expect(stats.failed).toBe(2);
    expect(counter(stats.columns, 'FailedMaxUDPRetrans(C)')).toBe(2);
    expect(counter(stats.columns, 'Retransmissions(C)')).toBe(115);
  });

  it('finds the columns by header even when they move', () => {
    const moved = 'X;FailedCall(C);SuccessfulCall(C);\n1;3;7;\n';
    expect(parseSippStats(moved)).toMatchObject({ successful: 7, failed: 3 });
  });

  it('refuses a file without a data line', () => {
    expect(() => parseSippStats(csv.split('\n')[0] ?? '')).toThrow(/no data line/);
  });
});
