import { describe, expect, it } from 'vitest';
import { ExpiryQueue, SWEEP_GRANULARITY_MS } from '../../../src/sip/transaction/expiry-queue.js';
import { ManualClock } from '../../../src/sip/transaction/index.js';

describe('ExpiryQueue (one timer for every transaction waiting the same time)', () => {
  it('expires entries in order, in batches, with one pending timer at most', () => {
    const clock = new ManualClock();
    const expired: Array<{ id: number; at: number }> = [];
    const queue = new ExpiryQueue<{ id: number; expiresAt: number }>(clock, (e) =>
      expired.push({ id: e.id, at: clock.now() }),
    );
    for (let id = 0; id < 5; id++) {
      queue.push({ id, expiresAt: clock.now() + 32_000 });
      clock.advance(30);
    }
    expect(clock.pending).toBe(1);
    expect(queue.size).toBe(5);
    clock.advanceTo(32_000 + SWEEP_GRANULARITY_MS - 1);
    expect(expired).toEqual([]);
    clock.advance(1);
    // Entries due by the sweep go together; none goes before its time.
    expect(expired).toEqual([
      { id: 0, at: 32_100 },
      { id: 1, at: 32_100 },
      { id: 2, at: 32_100 },
      { id: 3, at: 32_100 },
    ]);
    expect(clock.pending).toBe(1);
    clock.advance(1_000);
    expect(expired.map((e) => e.id)).toEqual([0, 1, 2, 3, 4]);
    expect(queue.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('takes entries pushed while sweeping, and close() forgets everything', () => {
    const clock = new ManualClock();
    const expired: number[] = [];
    const queue: ExpiryQueue<{ id: number; expiresAt: number }> = new ExpiryQueue(clock, (e) => {
      expired.push(e.id);
      if (e.id === 0) queue.push({ id: 1, expiresAt: clock.now() + 5_000 });
    });
    queue.push({ id: 0, expiresAt: 5_000 });
    clock.advance(5_100);
    expect(expired).toEqual([0]);
    expect(clock.pending).toBe(1);
    queue.push({ id: 2, expiresAt: clock.now() + 5_000 });
    queue.close();
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(expired).toEqual([0]);
    expect(queue.size).toBe(0);
  });
});
