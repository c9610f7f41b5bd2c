import { describe, expect, it } from 'vitest';
import { RateTracker } from '../../../src/edge/index.js';

describe('RateTracker (pike-like fixed windows)', () => {
  it('allows 16 requests in a 2 s window and flags the 17th', () => {
    const rates = new RateTracker({ limit: 16, windowMs: 2000, maxSources: 10 });
    for (let i = 0; i < 16; i++) expect(rates.hit('192.0.2.1', 1000 + i)).toBe(false);
    expect(rates.hit('192.0.2.1', 1500)).toBe(true);
    // Another source has its own budget.
    expect(rates.hit('192.0.2.2', 1500)).toBe(false);
  });

  it('starts a fresh window once the last one has passed', () => {
    const rates = new RateTracker({ limit: 2, windowMs: 2000, maxSources: 10 });
    expect(rates.hit('a', 0)).toBe(false);
    expect(rates.hit('a', 1999)).toBe(false);
    expect(rates.hit('a', 1999)).toBe(true);
    expect(rates.hit('a', 2000)).toBe(false);
    expect(rates.hit('a', 2001)).toBe(false);
    expect(rates.hit('a', 2002)).toBe(true);
  });

  it('tracks at most maxSources, forgetting the oldest window first', () => {
    const rates = new RateTracker({ limit: 1, windowMs: 10_000, maxSources: 3 });
    rates.hit('a', 0);
    rates.hit('b', 1);
    rates.hit('c', 2);
    rates.hit('d', 3);
    expect(rates.size).toBe(3);
    // 'a' was forgotten: its next request opens a new window instead of exceeding.
    expect(rates.hit('a', 4)).toBe(false);
    // 'c' is still tracked: a second request in its window exceeds the limit of 1.
    expect(rates.hit('c', 5)).toBe(true);
  });
});
