import { describe, expect, it, vi } from 'vitest';
import { type Binding, MemoryLocationService, toStored } from '../../../src/location/index.js';
import { binding, collectGarbage, FakeStore, TestClock } from '../registrar/fakes.js';

const HOUR = 3_600_000;

function service(clock: TestClock, store?: FakeStore, onExpired?: (b: Binding) => void) {
  return new MemoryLocationService({ now: clock.now, sweepIntervalMs: 0, store, onExpired });
}

describe('MemoryLocationService', () => {
  it('returns live bindings highest q first, the most recent first within a q', async () => {
    const clock = new TestClock();
    const location = service(clock);
    const t = clock.t;
    const a = binding({ contact: 'sip:a@192.0.2.1', q: 0.5, updatedAt: t - 3, expiresAt: t + HOUR });
    const b = binding({ contact: 'sip:b@192.0.2.2', q: 1, updatedAt: t - 2, expiresAt: t + HOUR });
    const c = binding({ contact: 'sip:c@192.0.2.3', q: 0.5, updatedAt: t - 1, expiresAt: t + HOUR });
    await location.update('sip:alice@example.com', { remove: [], add: [a, b, c] });
    const found = await location.lookup('sip:alice@example.com');
    expect(found.map((x) => x.contact)).toEqual(['sip:b@192.0.2.2', 'sip:c@192.0.2.3', 'sip:a@192.0.2.1']);
    expect(await location.lookup('sip:nobody@example.com')).toEqual([]);
    expect(await location.count()).toBe(3);
  });

  it('hides expired bindings at once and sweeps them with one event each', async () => {
    const clock = new TestClock();
    const expired: Binding[] = [];
    const store = new FakeStore();
    const location = service(clock, store, (b) => expired.push(b));
    const short = binding({ contact: 'sip:short@192.0.2.1', expiresAt: clock.t + 60_000 });
    const long = binding({ contact: 'sip:long@192.0.2.2', expiresAt: clock.t + HOUR });
    await location.update(short.aor, { remove: [], add: [short, long] });
    expect(store.bindings.size).toBe(2);
    clock.advance(60_000);
    expect((await location.lookup(short.aor)).map((b) => b.contact)).toEqual(['sip:long@192.0.2.2']);
    expect(location.sweep()).toBe(1);
    expect(expired).toEqual([short]);
    expect(location.size).toBe(1);
    await Promise.resolve();
    expect([...store.bindings.values()].map((b) => b.contact)).toEqual(['sip:long@192.0.2.2']);
    expect(location.sweep()).toBe(0);
  });

  it('does not expire a binding that was refreshed before its first expiry', async () => {
    const clock = new TestClock();
    const expired: Binding[] = [];
    const location = service(clock, undefined, (b) => expired.push(b));
    const first = binding({ expiresAt: clock.t + 60_000 });
    await location.update(first.aor, { remove: [], add: [first] });
    clock.advance(30_000);
    const refreshed = { ...first, expiresAt: clock.t + 60_000, cseq: 2, updatedAt: clock.t };
    await location.update(first.aor, { remove: [first], add: [refreshed] });
    clock.advance(40_000);
    expect(location.sweep()).toBe(0);
    expect(await location.lookup(first.aor)).toEqual([refreshed]);
    clock.advance(30_000);
    expect(location.sweep()).toBe(1);
    expect(expired).toEqual([refreshed]);
  });

  it('indexes bindings by instance-id and reg-id, one binding per (AoR, instance, reg-id)', async () => {
    const clock = new TestClock();
    const location = service(clock);
    const instanceId = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    const flow1 = binding({
      contact: 'sip:alice@198.51.100.7:40000',
      instanceId,
      regId: 1,
      expiresAt: clock.t + HOUR,
    });
    await location.update(flow1.aor, { remove: [], add: [flow1] });
    expect(await location.findInstance(flow1.aor, instanceId, 1)).toBe(flow1);
    expect(await location.findInstance(flow1.aor, instanceId, 2)).toBeUndefined();
    // A new contact for the same instance and reg-id replaces the old one even if not told to.
    const flow1b = { ...flow1, contact: 'sip:alice@198.51.100.7:40002' };
    await location.update(flow1.aor, { remove: [], add: [flow1b] });
    expect(await location.lookup(flow1.aor)).toEqual([flow1b]);
    expect(await location.findInstance(flow1.aor, instanceId, 1)).toBe(flow1b);
    expect(location.size).toBe(1);
  });

  it('writes through to the store and restores from it, dropping expired rows', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    const first = service(clock, store);
    const live = binding({
      contact: 'sip:live@192.0.2.1',
      expiresAt: clock.t + HOUR,
      path: ['<sip:edge@192.0.2.99;lr>'],
    });
    const soon = binding({ contact: 'sip:soon@192.0.2.2', expiresAt: clock.t + 60_000 });
    await first.update(live.aor, { remove: [], add: [live, soon] });
    await first.close();

    clock.advance(120_000);
    const second = service(clock, store);
    expect(await second.restore()).toBe(1);
    const [restored] = await second.lookup(live.aor);
    expect(restored).toMatchObject({
      contact: live.contact,
      expiresAt: live.expiresAt,
      path: live.path,
      source: live.source,
      callId: live.callId,
      cseq: live.cseq,
    });
    expect([...store.bindings.values()].map((b) => b.contact)).toEqual(['sip:live@192.0.2.1']);
  });

  it('leaves memory untouched when the store refuses a write', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    const location = service(clock, store);
    store.failWrites = true;
    const b = binding({ expiresAt: clock.t + HOUR });
    await expect(location.update(b.aor, { remove: [], add: [b] })).rejects.toThrow('database is down');
    expect(await location.lookup(b.aor)).toEqual([]);
  });

  it('skips stored rows it cannot use', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    const row = toStored(binding({ expiresAt: clock.t + HOUR }));
    row.source.protocol = 'carrier-pigeon';
    await store.saveBinding(row);
    const location = service(clock, store);
    expect(await location.restore()).toBe(0);
  });

  it('keeps its expiry heap bounded under register/unregister loops', async () => {
    const clock = new TestClock();
    const location = service(clock);
    for (let i = 0; i < 5000; i++) {
      const b = binding({ cseq: i, expiresAt: clock.t + 7200_000 });
      await location.update(b.aor, { remove: [], add: [b] });
      await location.update(b.aor, { remove: [b], add: [] });
    }
    location.sweep();
    expect(location.size).toBe(0);
    expect(location.pendingExpiries).toBeLessThan(2100);
  });

  it('sweeps on its own timer', async () => {
    vi.useFakeTimers();
    try {
      const expired: Binding[] = [];
      const location = new MemoryLocationService({
        sweepIntervalMs: 1000,
        onExpired: (b) => expired.push(b),
      });
      const b = binding({ expiresAt: Date.now() + 1500 });
      await location.update(b.aor, { remove: [], add: [b] });
      vi.advanceTimersByTime(2500);
      expect(expired).toEqual([b]);
      await location.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds 100,000 bindings in less than 2 KB each', async () => {
    const clock = new TestClock();
    const location = service(clock);
    const n = 100_000;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) {
      const aor = `sip:user${i}@example.com`;
      const b: Binding = {
        aor,
        contact: `sip:user${i}@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5060;transport=udp`,
        expiresAt: clock.t + 3_600_000 + i,
        q: 1,
        callId: `${i.toString(16)}-a84b4c76e66710@pc33.example.com`,
        cseq: 1,
        source: { protocol: 'udp', address: `203.0.113.${i & 255}`, port: 1024 + (i % 60000) },
        path: [],
        instanceId: undefined,
        regId: undefined,
        userAgent: 'Yealink SIP-T46S 66.86.0.15',
        updatedAt: clock.t,
      };
      await location.update(aor, { remove: [], add: [b] });
    }
    collectGarbage();
    const perBinding = (process.memoryUsage().heapUsed - before) / n;
    expect(location.size).toBe(n);
    expect(perBinding).toBeLessThan(2048);
  }, 30_000);
});
