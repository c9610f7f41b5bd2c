import { afterEach, beforeEach, expect, it } from 'vitest';
import { AllowList, BanSync, EdgeGuard, ScannerDetector } from '../../../src/edge/index.js';
import type { SqlProvisioningStore } from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** One node's edge on `store`: its guard and the sync of its bans (polled by hand). */
function edgeNode(store: SqlProvisioningStore, node: string, clock: { t: number }) {
  let sync: BanSync | undefined;
  const guard = new EdgeGuard({
    floodRequests: 0,
    floodWindowMs: 2000,
    floodBanMs: 300_000,
    authFailures: 0,
    authBanMs: 600_000,
    scannerBanMs: 3_600_000,
    maxSources: 1000,
    scanners: new ScannerDetector([]),
    allow: new AllowList(['10.0.0.0/8']),
    now: () => clock.t,
    onBan: (ban) => sync?.banned(ban),
    onUnban: (ban, reason) => sync?.unbanned(ban, reason),
  });
  const errors: unknown[] = [];
  sync = new BanSync({
    store: store.bans,
    guard,
    node,
    pollIntervalMs: 0,
    onError: (e) => errors.push(e),
    now: () => clock.t,
  });
  return { guard, sync, errors };
}

/** Writes are fire-and-forget from the packet path: let them land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** The BanRepository contract and the edge's ban sharing over it; every backend runs all of it. */
export function banContract(makeHarness: () => StoreHarness): void {
  let harness: StoreHarness;
  let store: SqlProvisioningStore;
  const clock = { t: T0 };

  beforeEach(async () => {
    clock.t = T0;
    harness = makeHarness();
    store = await harness.open();
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('keeps bans by address, replaces one, lists the live ones oldest first, purges the ended', async () => {
    const at = (s: number) => new Date(T0 + s * 1000);
    await store.bans.saveBan({
      address: '203.0.113.9',
      reason: 'flood',
      since: at(0),
      until: at(300),
      node: 'a',
    });
    await store.bans.saveBan({ address: '2001:db8::9', reason: 'manual', since: at(1), node: 'b' });
    await store.bans.saveBan({
      address: '198.51.100.4',
      reason: 'auth',
      since: at(2),
      until: at(10),
      node: 'a',
    });
    await store.bans.saveBan({
      address: '203.0.113.9',
      reason: 'scanner',
      since: at(3),
      until: at(900),
      node: 'b',
    });
    expect(await store.bans.liveBans(at(5))).toEqual([
      { address: '2001:db8::9', reason: 'manual', since: at(1), node: 'b' },
      { address: '198.51.100.4', reason: 'auth', since: at(2), until: at(10), node: 'a' },
      { address: '203.0.113.9', reason: 'scanner', since: at(3), until: at(900), node: 'b' },
    ]);
    expect((await store.bans.liveBans(at(10))).map((b) => b.address)).toEqual(['2001:db8::9', '203.0.113.9']);
    expect(await store.bans.purgeExpiredBans(at(10))).toBe(1);
    expect(await store.bans.removeBan('2001:db8::9')).toBe(true);
    expect(await store.bans.removeBan('2001:db8::9')).toBe(false);
    await expect(
      store.bans.saveBan({ address: '192.0.2.1', reason: 'bogus' as 'manual', since: at(0), node: 'a' }),
    ).rejects.toThrow();
  });

  it("a restarted node drops the sources it had banned; nodes sharing the store see each other's bans and lifts", async () => {
    const a = edgeNode(store, 'a:5060', clock);
    await a.sync.start();
    a.guard.banManually('203.0.113.9', undefined);
    a.guard.authenticationFailed('198.51.100.4', 99); // auth bans are off here: nothing
    clock.t += 1000;
    a.guard.banManually('198.51.100.7', 60_000);
    await settle();

    // The second node on the same database (another process, or this one after a restart).
    const b = edgeNode(await harness.open(), 'b:5060', clock);
    await b.sync.start();
    expect(b.guard.list().map((ban) => [ban.address, ban.reason, ban.until])).toEqual([
      ['203.0.113.9', 'manual', undefined],
      ['198.51.100.7', 'manual', T0 + 61_000],
    ]);
    // Adopted bans were issued elsewhere: not counted again here.
    expect(b.guard.bansIssued.manual).toBe(0);

    // b bans, a picks it up at its next poll; a lifts, b lifts at its next poll.
    b.guard.banManually('192.0.2.77', 30_000);
    await settle();
    await a.sync.poll();
    expect(a.guard.get('192.0.2.77')?.reason).toBe('manual');
    expect(a.guard.lift('203.0.113.9')).toBe(true);
    await settle();
    await b.sync.poll();
    expect(b.guard.get('203.0.113.9')).toBeUndefined();
    expect((await store.bans.liveBans(new Date(clock.t))).map((ban) => ban.address).sort()).toEqual([
      '192.0.2.77',
      '198.51.100.7',
    ]);

    // Ended bans are not brought back; an allowed source here is never banned from the store.
    clock.t += 62_000;
    await store.bans.saveBan({ address: '10.1.2.3', reason: 'flood', since: new Date(clock.t), node: 'c' });
    const c = edgeNode(await harness.open(), 'c:5060', clock);
    await c.sync.start();
    expect(c.guard.list()).toEqual([]);
    expect([...a.errors, ...b.errors, ...c.errors]).toEqual([]);
  });
}
