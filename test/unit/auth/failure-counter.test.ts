import { describe, expect, it } from 'vitest';
import { FailureCounter } from '../../../src/sip/auth/index.js';

describe('per-address failure counter', () => {
  it('counts failures per address within the window, then starts again', () => {
    let t = 0;
    const failures = new FailureCounter({ windowMs: 1000, now: () => t });
    expect(failures.failuresFor('192.0.2.1')).toBe(0);
    expect(failures.recordFailure('192.0.2.1')).toBe(1);
    expect(failures.recordFailure('192.0.2.1')).toBe(2);
    failures.recordFailure('192.0.2.2');
    expect(failures.failuresFor('192.0.2.1')).toBe(2);
    expect(failures.failuresFor('192.0.2.2')).toBe(1);
    t = 1000;
    expect(failures.failuresFor('192.0.2.1')).toBe(0);
    expect(failures.recordFailure('192.0.2.2')).toBe(1);
    failures.clear('192.0.2.2');
    expect(failures.failuresFor('192.0.2.2')).toBe(0);
  });

  it('is bounded, forgetting the least recently failing address', () => {
    const failures = new FailureCounter({ maxEntries: 2, now: () => 0 });
    failures.recordFailure('a');
    failures.recordFailure('b');
    failures.recordFailure('a');
    failures.recordFailure('c');
    expect(failures.size).toBe(2);
    expect(failures.failuresFor('a')).toBe(2);
    expect(failures.failuresFor('b')).toBe(0);
    expect(failures.failuresFor('c')).toBe(1);
  });
});
