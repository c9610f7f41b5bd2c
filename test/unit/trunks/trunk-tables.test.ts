import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteProvisioningStore, type TrunkRepository } from '../../../src/store/index.js';
import { TrunkTables } from '../../../src/trunks/index.js';

const WED_NOON = { day: 3, minute: 12 * 60 };

describe('the node routing tables', () => {
  let store: SqliteProvisioningStore;
  beforeEach(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    await store.trunks.addTrunk({ name: 'carrier-a', inboundCidrs: ['203.0.113.0/24'] });
    await store.trunks.addGateway({ id: 'a1', trunk: 'carrier-a', uri: 'sip:203.0.113.5' });
    await store.trunks.addRoute({ id: 'uk', prefix: '44', trunk: 'carrier-a' });
  });
  afterEach(async () => {
    await store.close();
  });

  it('load what the store has, and reload only when its revision moved', async () => {
    let reloads = 0;
    const tables = await TrunkTables.load(store.trunks, { pollInterval: 60_000, onReload: () => reloads++ });
    const first = tables.current;
    expect(first.lcr.match('4420', WED_NOON).map((e) => e.id)).toEqual(['uk']);
    expect(first.inbound.bySourceAddress('203.0.113.9')?.name).toBe('carrier-a');
    expect(first.gateways.get('carrier-a')?.map((g) => g.id)).toEqual(['a1']);
    await tables.refresh();
    expect(tables.current).toBe(first);
    await store.trunks.addRoute({ id: 'us', prefix: '1', trunk: 'carrier-a' });
    await tables.refresh();
    expect(tables.current).not.toBe(first);
    expect(tables.current.lcr.match('1415', WED_NOON).map((e) => e.id)).toEqual(['us']);
    expect(reloads).toBe(2);
  });

  it('a refresh asked while another runs still sees the write made before it', async () => {
    const tables = await TrunkTables.load(store.trunks, { pollInterval: 60_000 });
    const running = tables.refresh();
    await store.trunks.addRoute({ id: 'fr', prefix: '33', trunk: 'carrier-a' });
    await Promise.all([running, tables.refresh()]);
    expect(tables.current.lcr.match('33', WED_NOON).map((e) => e.id)).toEqual(['fr']);
  });

  it('keeps the tables it has when the store fails, and reports it; starts empty if it never loaded', async () => {
    const errors: unknown[] = [];
    let failing = false;
    const flaky: Pick<TrunkRepository, 'loadRouting' | 'routingRevision'> = {
      loadRouting: () => (failing ? Promise.reject(new Error('database down')) : store.trunks.loadRouting()),
      routingRevision: () =>
        failing ? Promise.reject(new Error('database down')) : store.trunks.routingRevision(),
    };
    const tables = await TrunkTables.load(flaky, { pollInterval: 60_000, onError: (e) => errors.push(e) });
    failing = true;
    await store.trunks.addRoute({ id: 'us', prefix: '1', trunk: 'carrier-a' });
    await tables.refresh();
    expect(errors).toHaveLength(1);
    expect(tables.current.lcr.match('4420', WED_NOON).map((e) => e.id)).toEqual(['uk']);
    const never = await TrunkTables.load(flaky, { pollInterval: 60_000, onError: (e) => errors.push(e) });
    expect(never.current.lcr.size).toBe(0);
    expect(never.current.inbound.bySourceAddress('203.0.113.9')).toBeUndefined();
    failing = false;
    await never.refresh();
    expect(never.current.lcr.size).toBe(2);
  });

  it('polls the store while started', async () => {
    const tables = await TrunkTables.load(store.trunks, { pollInterval: 20 });
    tables.start();
    try {
      await store.trunks.addRoute({ id: 'de', prefix: '49', trunk: 'carrier-a' });
      for (let i = 0; i < 100 && tables.current.lcr.size < 2; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(tables.current.lcr.match('4930', WED_NOON).map((e) => e.id)).toEqual(['de']);
    } finally {
      tables.stop();
    }
  });
});
