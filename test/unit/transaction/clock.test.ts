import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/sip/transaction/index.js';

describe('ManualClock', () => {
  it('fires due timers in time order, equal times in scheduling order', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c@300'), 300);
    clock.setTimeout(() => fired.push('a@100'), 100);
    clock.setTimeout(() => fired.push('b@100'), 100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a@100', 'b@100']);
    clock.advance(500);
    expect(fired).toEqual(['a@100', 'b@100', 'c@300']);
    expect(clock.now()).toBe(600);
  });

  it('fires timers scheduled by fired callbacks within the same advance, at their own time', () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const tick = (): void => {
      times.push(clock.now());
      if (times.length < 4) clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    clock.advance(1000);
    expect(times).toEqual([100, 200, 300, 400]);
    expect(clock.pending).toBe(0);
  });

  it('does not fire cleared timers and counts pending ones', () => {
    const clock = new ManualClock();
    let fired = 0;
    const a = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 20);
    expect(clock.pending).toBe(2);
    clock.clearTimeout(a);
    clock.clearTimeout(a);
    expect(clock.pending).toBe(1);
    clock.advance(30);
    expect(fired).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('fires zero-delay timers on advance(0)', () => {
    const clock = new ManualClock(1000);
    let fired = false;
    clock.setTimeout(() => (fired = true), 0);
    clock.advance(0);
    expect(fired).toBe(true);
    expect(clock.now()).toBe(1000);
  });
});

describe('systemClock', () => {
  it('runs and cancels real timers', async () => {
    let fired = 0;
    const cancelled = systemClock.setTimeout(() => fired++, 1);
    systemClock.clearTimeout(cancelled);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(fired).toBe(0);
    expect(systemClock.now()).toBeGreaterThan(0);
  });
});
