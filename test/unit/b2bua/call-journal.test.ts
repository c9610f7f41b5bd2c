import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coalesce } from '../../../src/b2bua/call-journal.js';
import { CallJournal, type LiveCall } from '../../../src/b2bua/index.js';
import { type CallJournalRepository, SqliteProvisioningStore } from '../../../src/store/index.js';
import { until } from '../../support/until.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function live(id: string, overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    id,
    caller: 'sip:alice@example.com',
    callee: 'sip:bob@example.com',
    state: 'setup',
    setupAt: T0,
    legs: [
      { side: 'caller', callId: `a-${id}`, state: 'initial' },
      { side: 'callee', callId: `b-${id}`, state: 'initial' },
    ],
    ...overrides,
  };
}

describe('call journal', () => {
  let store: SqliteProvisioningStore;
  let now = T0;
  const errors: string[] = [];
  beforeEach(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    now = T0;
    errors.length = 0;
  });
  afterEach(() => store.close());

  const journal = (run: string, extra: Partial<ConstructorParameters<typeof CallJournal>[0]> = {}) =>
    new CallJournal({
      store: store.callJournal,
      owner: { node: 'sb1:5060', run },
      now: () => now,
      onError: (_e, context) => void errors.push(context),
      ...extra,
    });

  it('writes a call open at setup, its times at answer, and deletes it when closed, in that order', async () => {
    const j = journal('run-1');
    // Issued at once, as the B2BUA does: each waits for the one before.
    j.opened(live('c1', { sourceTrunk: 'in' }));
    now = T0 + 3000;
    j.answered(live('c1', { sourceTrunk: 'in', trunk: 'out', ringingAt: T0 + 1000, answerAt: T0 + 3000 }));
    await j.stop();
    expect(await store.callJournal.openCalls()).toEqual([
      expect.objectContaining({
        id: 'c1',
        callerCallId: 'a-c1',
        calleeCallId: 'b-c1',
        trunk: 'out',
        sourceTrunk: 'in',
        answerAt: new Date(T0 + 3000),
        seenAt: new Date(T0 + 3000),
        run: 'run-1',
      }),
    ]);
    j.closed('c1');
    await j.stop();
    expect(await store.callJournal.openCalls()).toEqual([]);
    expect(j.written).toBe(3);
    expect(errors).toEqual([]);
  });

  it('at the next start, the calls the killed run left are interrupted CDRs; its own calls stay open', async () => {
    const killed = journal('run-1');
    killed.opened(live('c1'));
    now = T0 + 5000;
    killed.answered(live('c1', { answerAt: T0 + 5000 }));
    await killed.stop(); // (no close: the node died)
    const recovered: string[] = [];
    const next = journal('run-2', { onRecovered: (cdrs) => recovered.push(...cdrs.map((c) => c.id)) });
    next.opened(live('c2'));
    await next.stop();
    const cdrs = await next.recover();
    expect(cdrs.map((c) => c.id)).toEqual(['c1']);
    expect(recovered).toEqual(['c1']);
    expect(next.recovered).toBe(1);
    expect(await store.cdrs.getCdr('c1')).toMatchObject({
      disposition: 'interrupted',
      hangup: 'node',
      status: 200,
      answerAt: new Date(T0 + 5000),
      endAt: new Date(T0 + 5000),
    });
    expect((await store.callJournal.openCalls()).map((c) => c.id)).toEqual(['c2']);
  });

  it("heartbeats this run's calls and closes another node's stale ones", async () => {
    await store.callJournal.openCall(
      { node: 'sb2:5060', run: 'x' },
      { ...openOf('gone'), setupAt: new Date(T0) },
      new Date(T0),
    );
    const j = journal('run-1', { heartbeatMs: 20, staleAfterMs: 60_000 });
    j.opened(live('c1'));
    now = T0 + 61_000;
    j.start();
    await until(
      async () => (await store.cdrs.getCdr('gone')) !== undefined,
      2000,
      'the CDR of the call on the vanished node',
      10,
    );
    await until(
      async () => (await store.callJournal.openCalls())[0]?.seenAt.getTime() === T0 + 61_000,
      2000,
      'the open call seen again at T0 + 61 s',
      10,
    );
    await j.stop();
    expect((await store.cdrs.getCdr('gone'))?.reason).toContain('Node sb2:5060 not seen since');
    expect((await store.callJournal.openCalls()).map((c) => c.id)).toEqual(['c1']);
  });

  it('a store that fails is logged and counted; the calls go on', async () => {
    // The real repository, but its writes fail as a locked or unreachable database would.
    const failing: CallJournalRepository = Object.assign(Object.create(store.callJournal), {
      write: async () => {
        throw new Error('database is locked');
      },
    });
    const j = journal('run-1', { store: failing });
    j.opened(live('c1'));
    await j.stop();
    expect(j.failed).toBe(1);
    expect(errors).toEqual(['call journal write']);
  });

  it('commits the writes of many calls together, and never writes a call that came and went', async () => {
    const batches: number[] = [];
    const counting: CallJournalRepository = Object.assign(Object.create(store.callJournal), {
      write: async (...args: Parameters<CallJournalRepository['write']>) => {
        batches.push(args[1].length);
        return store.callJournal.write(...args);
      },
    });
    const j = journal('run-1', { store: counting, flushMs: 50 });
    for (const id of ['c1', 'c2', 'c3']) j.opened(live(id));
    j.answered(live('c2', { answerAt: T0 + 10 }));
    j.closed('c3'); // set up and ended within one batch: the store never sees it
    await until(async () => batches.length === 1, 2000, 'the one batch', 10);
    expect(batches).toEqual([2]);
    const open = await store.callJournal.openCalls();
    expect(open.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(open[1]?.answerAt).toEqual(new Date(T0 + 10));
    j.closed('c1');
    await j.stop();
    expect((await store.callJournal.openCalls()).map((c) => c.id)).toEqual(['c2']);
    expect(batches).toEqual([2, 1]);
    expect(j.written).toBe(6);
  });
});

describe('call journal batches', () => {
  const call = (id: string) => ({ ...openOf(id), setupAt: new Date(T0) });
  const at = new Date(T0);
  it('keeps a call opened earlier closed, folds updates into the open of the same batch', () => {
    expect(
      coalesce([
        { kind: 'update', id: 'old', call: call('old'), at },
        { kind: 'open', id: 'new', call: call('new'), at },
        { kind: 'close', id: 'old' },
        { kind: 'update', id: 'new', call: { ...call('new'), answerAt: at }, at },
      ]),
    ).toEqual([
      { kind: 'close', id: 'old' },
      { kind: 'open', id: 'new', call: { ...call('new'), answerAt: at }, at },
    ]);
  });
});

function openOf(id: string) {
  return {
    id,
    callerCallId: `a-${id}`,
    calleeCallId: `b-${id}`,
    caller: 'sip:x@example.com',
    callee: 'sip:y@example.com',
  };
}
