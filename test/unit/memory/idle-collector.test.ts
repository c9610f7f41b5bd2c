import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { IdleCollector } from '../../../src/memory/index.js';

const MiB = 2 ** 20;

function fixture() {
  const state = { requests: 0, heap: 100 * MiB, collections: 0, now: 0 };
  const collector = new IdleCollector({
    activity: () => state.requests,
    heapUsed: () => state.heap,
    now: () => state.now,
    settleMs: 32_000,
    collect: () => {
      state.collections++;
      state.heap = 100 * MiB;
    },
    intervalMs: 60_000,
  });
  return { state, collector };
}

describe('IdleCollector', () => {
  it('collects once when a burst is over and its garbage is worth it, not while traffic lasts', () => {
    const { state, collector } = fixture();
    for (let i = 0; i < 10; i++) {
      state.requests += 5000; // a steady burst, garbage piling up: V8's own business
      state.heap += 20 * MiB;
      collector.tick();
    }
    expect(state.collections).toBe(0);
    state.requests += 1000; // a fifth of the peak: the burst may be over
    collector.tick();
    expect(state.collections).toBe(0); // one quiet look may be a dip
    state.requests += 50; // the trickle after the burst
    collector.tick();
    expect(state.collections).toBe(1);
    expect(collector.collections).toBe(1);
    // Quiet, a trickle going on: once more when what the burst left in its timers has died
    // (settleMs), then no more.
    const quietLooks = (n: number) => {
      for (let i = 0; i < n; i++) {
        state.now += 5_000;
        state.requests += 50;
        collector.tick();
      }
    };
    quietLooks(6);
    expect(state.collections).toBe(1);
    quietLooks(1);
    expect(state.collections).toBe(2);
    quietLooks(20);
    expect(state.collections).toBe(2);
    // A new burst and its end start it over.
    for (let i = 0; i < 3; i++) {
      state.requests += 5000;
      state.heap += 20 * MiB;
      collector.tick();
    }
    expect(state.collections).toBe(2);
    collector.tick();
    collector.tick();
    expect(state.collections).toBe(3);
    collector.close();
  });

  it('does not collect at a one-look dip in a burst', () => {
    const { state, collector } = fixture();
    for (let i = 0; i < 20; i++) {
      state.requests += i % 5 === 4 ? 500 : 5000; // every fifth look a dip to a tenth
      state.heap += 20 * MiB;
      collector.tick();
    }
    expect(state.collections).toBe(0);
    collector.close();
  });

  it("collects start-up's garbage at its first quiet looks, then leaves a quiet node with little garbage alone", () => {
    const { state, collector } = fixture();
    collector.tick();
    collector.tick();
    expect(state.collections).toBe(1);
    state.now += 40_000;
    collector.tick(); // the settle collection
    expect(state.collections).toBe(2);
    state.requests += 100;
    state.heap += 10 * MiB;
    for (let i = 0; i < 10; i++) {
      state.now += 5_000;
      collector.tick();
    }
    expect(state.collections).toBe(2);
    collector.close();
  });

  it('runs V8 full collections by default', () => {
    const collector = new IdleCollector({ activity: () => 0, intervalMs: 60_000, minGarbageBytes: 0 });
    collector.tick();
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    expect(garbage.length).toBe(200_000);
    garbage = undefined;
    collector.tick();
    expect(collector.collections).toBe(1);
    collector.close();
  });

  it('compacts: the pages a burst left a fifth full are given back, not kept', () => {
    const collector = new IdleCollector({ activity: () => 0, intervalMs: 60_000, minGarbageBytes: 0 });
    collector.tick();
    collector.tick(); // start-up's garbage first
    // A burst: every fifth object lives on (a binding), the rest die (records past Timer J).
    const kept: object[] = [];
    const burst: object[] = [];
    for (let i = 0; i < 1_000_000; i++) (i % 5 === 0 ? kept : burst).push({ i, text: `binding ${i}` });
    const before = getHeapStatistics().total_heap_size;
    burst.length = 0;
    collector.tick();
    const after = getHeapStatistics();
    // Without compaction the pages holding the survivors stay (the heap hardly shrinks).
    expect(after.total_heap_size).toBeLessThan(before * 0.6);
    expect(after.total_heap_size - after.used_heap_size).toBeLessThan(64 * MiB);
    expect(kept).toHaveLength(200_000);
    collector.close();
  });
});
