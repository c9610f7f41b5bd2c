import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Cdr, InvalidInputError, type SqlProvisioningStore } from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

function cdr(n: number, overrides: Partial<Cdr> = {}): Cdr {
  const setupAt = new Date(Date.UTC(2026, 0, 1, 12, 0, n));
  return {
    id: `call-${String(n).padStart(3, '0')}`,
    callerCallId: `a-${n}@198.51.100.7`,
    calleeCallId: `b-${n}`,
    caller: n % 2 === 0 ? 'sip:alice@example.com' : 'sip:carol@example.com',
    callee: 'sip:+4930123@example.com',
    setupAt,
    endAt: new Date(setupAt.getTime() + 5_000),
    duration: 5,
    billableSeconds: 0,
    status: 486,
    cause: 17,
    hangup: 'callee',
    disposition: 'busy',
    ...overrides,
  };
}

/** The CdrRepository contract; every backend runs all of it. */
export function cdrContract(makeHarness: () => StoreHarness): void {
  let harness: StoreHarness;
  let store: SqlProvisioningStore;

  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('keeps every field of an answered call through a trunk, media statistics included', async () => {
    const answered = cdr(1, {
      sourceTrunk: 'carrier-in',
      trunk: 'carrier-out',
      ringingAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 2)),
      answerAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 3)),
      endAt: new Date(Date.UTC(2026, 0, 1, 12, 1, 3, 500)),
      duration: 62.5,
      billableSeconds: 61,
      status: 200,
      cause: 16,
      hangup: 'caller',
      disposition: 'answered',
      media: { streams: [{ fromTag: 'x', packets: 3000, lost: 2, jitterMs: 1.5 }] },
    });
    const timedOut = cdr(2, {
      answerAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 3)),
      status: 200,
      cause: 102,
      hangup: 'node',
      disposition: 'answered',
      reason: 'Q.850;cause=102;text="Media timeout"',
    });
    await store.cdrs.addCdr(timedOut);
    expect(await store.cdrs.getCdr('call-002')).toEqual(timedOut);
    await store.cdrs.addCdr(answered);
    expect(await store.cdrs.getCdr('call-001')).toEqual(answered);
    expect(await store.cdrs.getCdr('nope')).toBeUndefined();
  });

  it('stores a retried write once', async () => {
    await store.cdrs.addCdr(cdr(1));
    await store.cdrs.addCdr(cdr(1, { status: 500 }));
    const page = await store.cdrs.listCdrs();
    expect(page.cdrs).toHaveLength(1);
    expect(page.cdrs[0]!.status).toBe(486);
  });

  it('stores a batch in one go, a CDR already stored in it once', async () => {
    await store.cdrs.addCdr(cdr(1));
    await store.cdrs.addCdrs([cdr(1, { status: 500 }), cdr(2), cdr(3)]);
    await store.cdrs.addCdrs([]);
    const page = await store.cdrs.listCdrs();
    expect(page.cdrs.map((c) => [c.id, c.status])).toEqual([
      [cdr(3).id, 486],
      [cdr(2).id, 486],
      [cdr(1).id, 486],
    ]);
  });

  it('lists newest first in pages with a cursor, and filters', async () => {
    for (let n = 1; n <= 7; n++) {
      await store.cdrs.addCdr(
        cdr(n, n === 7 ? { trunk: 'carrier-out', disposition: 'answered', status: 200 } : {}),
      );
    }
    const first = await store.cdrs.listCdrs({ limit: 3 });
    expect(first.cdrs.map((c) => c.id)).toEqual(['call-007', 'call-006', 'call-005']);
    const second = await store.cdrs.listCdrs({ limit: 3, after: first.next! });
    expect(second.cdrs.map((c) => c.id)).toEqual(['call-004', 'call-003', 'call-002']);
    const last = await store.cdrs.listCdrs({ limit: 3, after: second.next! });
    expect(last.cdrs.map((c) => c.id)).toEqual(['call-001']);
    expect(last.next).toBeUndefined();

    const alice = await store.cdrs.listCdrs({ caller: 'sip:alice@example.com' });
    expect(alice.cdrs.map((c) => c.id)).toEqual(['call-006', 'call-004', 'call-002']);
    expect((await store.cdrs.listCdrs({ trunk: 'carrier-out' })).cdrs.map((c) => c.id)).toEqual(['call-007']);
    expect((await store.cdrs.listCdrs({ disposition: 'answered' })).cdrs).toHaveLength(1);
    const window = await store.cdrs.listCdrs({
      from: new Date(Date.UTC(2026, 0, 1, 12, 0, 2)),
      to: new Date(Date.UTC(2026, 0, 1, 12, 0, 4)),
    });
    expect(window.cdrs.map((c) => c.id)).toEqual(['call-003', 'call-002']);
  });

  it('refuses a cursor it did not give and a limit out of range', async () => {
    await expect(store.cdrs.listCdrs({ after: 'garbage' })).rejects.toThrow(InvalidInputError);
    await expect(store.cdrs.listCdrs({ limit: 0 })).rejects.toThrow(InvalidInputError);
    await expect(store.cdrs.listCdrs({ limit: 5000 })).rejects.toThrow(/limit/);
  });

  it('a real CDR replaces an interrupted one, nothing else does', async () => {
    await store.cdrs.addCdr(cdr(2, { disposition: 'interrupted', status: 500, cause: 41, hangup: 'node' }));
    await store.cdrs.addCdr(cdr(2, { disposition: 'answered', status: 200, cause: 16, hangup: 'caller' }));
    expect(await store.cdrs.getCdr('call-002')).toMatchObject({ disposition: 'answered', status: 200 });
    // And an interrupted CDR never replaces a real one.
    await store.cdrs.addCdr(cdr(2, { disposition: 'interrupted', status: 500 }));
    expect((await store.cdrs.getCdr('call-002'))?.disposition).toBe('answered');
  });

  it('exports every matching CDR oldest first, across pages, with the filters of a listing', async () => {
    for (let n = 1; n <= 9; n++) {
      // Two calls set up in the same millisecond: the keyset's id breaks the tie across pages.
      await store.cdrs.addCdr(cdr(n, n === 5 ? { setupAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 4)) } : {}));
    }
    const all: string[] = [];
    for await (const row of store.cdrs.exportCdrs({}, 2)) all.push(row.id);
    expect(all).toEqual([
      'call-001',
      'call-002',
      'call-003',
      'call-004',
      'call-005',
      'call-006',
      'call-007',
      'call-008',
      'call-009',
    ]);
    const alice: string[] = [];
    for await (const row of store.cdrs.exportCdrs(
      { caller: 'sip:alice@example.com', to: new Date(Date.UTC(2026, 0, 1, 12, 0, 8)) },
      3,
    ))
      alice.push(row.id);
    expect(alice).toEqual(['call-002', 'call-004', 'call-006']);
    const none: string[] = [];
    for await (const row of store.cdrs.exportCdrs({ disposition: 'answered' })) none.push(row.id);
    expect(none).toEqual([]);
  });
}
