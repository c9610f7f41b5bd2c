import { describe, expect, it } from 'vitest';
import { MemoryLocationService } from '../../../src/location/index.js';
import { binding, FakeStore, TestClock } from '../registrar/fakes.js';

const HOUR = 3_600_000;

function writeBack(clock: TestClock, store: FakeStore) {
  return new MemoryLocationService({
    now: clock.now,
    sweepIntervalMs: 0,
    store,
    persistence: 'write-back',
    flushIntervalMs: 60_000,
  });
}

describe('MemoryLocationService write-back', () => {
  it('answers from memory at once and writes the latest state of each contact in one flush', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    const location = writeBack(clock, store);
    const first = binding({ contact: 'sip:a@192.0.2.1', expiresAt: clock.t + HOUR });
    const other = binding({ contact: 'sip:b@192.0.2.2', expiresAt: clock.t + HOUR });
    await location.update(first.aor, { remove: [], add: [first, other] });
    const refreshed = { ...first, cseq: 2, expiresAt: clock.t + 2 * HOUR };
    await location.update(first.aor, { remove: [first], add: [refreshed] });
    await location.update(first.aor, { remove: [other], add: [] });
    expect((await location.lookup(first.aor)).map((b) => b.cseq)).toEqual([2]);
    expect(store.bindings.size).toBe(0);
    expect(location.pendingWrites).toBe(2);
    await location.flush();
    expect(location.pendingWrites).toBe(0);
    expect([...store.bindings.values()].map((b) => [b.contact, b.cseq])).toEqual([['sip:a@192.0.2.1', 2]]);
  });

  it('keeps failed writes pending and retries them, newer changes winning', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    const errors: unknown[] = [];
    const location = new MemoryLocationService({
      now: clock.now,
      sweepIntervalMs: 0,
      store,
      persistence: 'write-back',
      flushIntervalMs: 60_000,
      onStoreError: (e) => errors.push(e),
    });
    const b = binding({ expiresAt: clock.t + HOUR });
    await location.update(b.aor, { remove: [], add: [b] });
    store.failWrites = true;
    await location.flush();
    expect(errors).toHaveLength(1);
    expect(location.pendingWrites).toBe(1);
    // Still served: a store outage does not fail registrations in write-back mode.
    expect(await location.lookup(b.aor)).toHaveLength(1);
    store.failWrites = false;
    await location.flush();
    expect(store.bindings.size).toBe(1);
  });

  it('writes expiries and flushes everything on close', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    const location = writeBack(clock, store);
    const short = binding({ contact: 'sip:short@192.0.2.1', expiresAt: clock.t + 60_000 });
    const long = binding({ contact: 'sip:long@192.0.2.2', expiresAt: clock.t + HOUR });
    await location.update(short.aor, { remove: [], add: [short, long] });
    await location.flush();
    expect(store.bindings.size).toBe(2);
    clock.advance(60_000);
    expect(location.sweep()).toBe(1);
    expect(store.bindings.size).toBe(2);
    await location.close();
    expect([...store.bindings.values()].map((b) => b.contact)).toEqual(['sip:long@192.0.2.2']);
  });
});
