import { describe, expect, it } from 'vitest';
import { NonceCounts } from '../../../src/sip/auth/index.js';

describe('nonce-count replay protection (RFC 7616 §3.4)', () => {
  it('accepts increasing counts and refuses any not above the highest', () => {
    const counts = new NonceCounts();
    expect(counts.accept('n', 1, 1000, 0)).toBe(true);
    expect(counts.accept('n', 1, 1000, 0)).toBe(false);
    expect(counts.accept('n', 3, 1000, 0)).toBe(true);
    expect(counts.isNew('n', 2, 0)).toBe(false);
    expect(counts.accept('n', 2, 1000, 0)).toBe(false);
    expect(counts.isNew('n', 4, 0)).toBe(true);
    expect(counts.accept('other', 1, 1000, 0)).toBe(true);
  });

  it('forgets a nonce once it expires', () => {
    const counts = new NonceCounts();
    counts.accept('old', 5, 100, 0);
    expect(counts.isNew('old', 1, 101)).toBe(true);
    expect(counts.size).toBe(0);
    counts.accept('a', 1, 100, 0);
    counts.accept('b', 1, 100, 0);
    counts.accept('c', 1, 10_000, 200); // the sweep on insertion drops the expired ones
    expect(counts.size).toBe(1);
  });

  it('is bounded, evicting the oldest entry', () => {
    const counts = new NonceCounts(3);
    for (const n of ['a', 'b', 'c', 'd']) counts.accept(n, 1, 1000, 0);
    expect(counts.size).toBe(3);
    expect(counts.isNew('a', 1, 0)).toBe(true);
    expect(counts.isNew('d', 1, 0)).toBe(false);
  });
});
