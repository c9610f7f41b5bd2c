import { describe, expect, it } from 'vitest';
import { CountingTimers } from '../../../src/sip/ua/index.js';
import { FakeClock } from './fakes.js';

describe('CountingTimers', () => {
  it('counts armed timers: down when one fires or is cleared', () => {
    const clock = new FakeClock();
    const timers = new CountingTimers(clock);
    let fired = 0;
    const a = timers.setTimeout(() => fired++, 100);
    timers.setTimeout(() => fired++, 200);
    expect(timers.pending).toBe(2);
    clock.advance(150);
    expect([fired, timers.pending]).toEqual([1, 1]);
    timers.clearTimeout(a);
    expect(timers.pending).toBe(1);
    clock.advance(100);
    expect([fired, timers.pending]).toEqual([2, 0]);
  });
});
