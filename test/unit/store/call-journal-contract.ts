import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenCall, SqlProvisioningStore } from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

function call(n: number, overrides: Partial<OpenCall> = {}): OpenCall {
  return {
    id: `call-${n}`,
    callerCallId: `a-${n}@198.51.100.7`,
    calleeCallId: `b-${n}`,
    caller: 'sip:alice@example.com',
    callee: 'sip:+4930123@example.com',
    setupAt: at(n),
    ...overrides,
  };
}

const previous = { node: 'sb1:5060', run: 'run-1' };
const current = { node: 'sb1:5060', run: 'run-2' };
const other = { node: 'sb2:5060', run: 'run-9' };

/** The CallJournalRepository contract; every backend runs all of it. */
export function callJournalContract(makeHarness: () => StoreHarness): void {
  let harness: StoreHarness;
  let store: SqlProvisioningStore;

  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('keeps a record from setup through answer and heartbeats, gone once closed', async () => {
    await store.callJournal.openCall(previous, call(1, { sourceTrunk: 'in' }), at(1));
    await store.callJournal.openCall(previous, call(1), at(1)); // a repeat changes nothing
    await store.callJournal.updateCall(
      call(1, { sourceTrunk: 'in', trunk: 'out', ringingAt: at(2), answerAt: at(3) }),
      at(3),
    );
    expect(await store.callJournal.heartbeat(previous, at(20))).toBe(1);
    expect(await store.callJournal.heartbeat(other, at(20))).toBe(0);
    expect(await store.callJournal.openCalls()).toEqual([
      {
        ...call(1, { sourceTrunk: 'in', trunk: 'out', ringingAt: at(2), answerAt: at(3) }),
        ...previous,
        seenAt: at(20),
      },
    ]);
    await store.callJournal.closeCall('call-1');
    expect(await store.callJournal.openCalls()).toEqual([]);
  });

  it('applies a batch of writes in one go, in order', async () => {
    await store.callJournal.openCall(previous, call(1), at(1));
    await store.callJournal.write(previous, [
      { kind: 'open', call: call(2), at: at(2) },
      { kind: 'update', call: call(2, { answerAt: at(4) }), at: at(4) },
      { kind: 'close', id: 'call-1' },
      { kind: 'open', call: call(3), at: at(5) },
    ]);
    expect(await store.callJournal.openCalls()).toEqual([
      { ...call(2, { answerAt: at(4) }), ...previous, seenAt: at(4) },
      { ...call(3), ...previous, seenAt: at(5) },
    ]);
    await store.callJournal.write(previous, []);
    expect((await store.callJournal.openCalls()).length).toBe(2);
  });

  it("closes a previous run's calls as interrupted CDRs ending when last seen, not this run's nor another node's", async () => {
    await store.callJournal.openCall(previous, call(1), at(1));
    await store.callJournal.updateCall(call(1, { ringingAt: at(2), answerAt: at(3), trunk: 'out' }), at(3));
    await store.callJournal.heartbeat(previous, at(14));
    await store.callJournal.openCall(previous, call(2), at(5));
    await store.callJournal.openCall(current, call(3), at(30));
    await store.callJournal.openCall(other, call(4), at(6));
    const written = await store.callJournal.recoverCalls({ restartOf: current });
    expect(written.map((c) => c.id)).toEqual(['call-1', 'call-2']);
    expect(await store.cdrs.getCdr('call-1')).toEqual({
      ...call(1, { ringingAt: at(2), answerAt: at(3), trunk: 'out' }),
      endAt: at(14),
      duration: 13,
      billableSeconds: 11,
      status: 200,
      cause: 41,
      hangup: 'node',
      disposition: 'interrupted',
      reason: 'Q.850;cause=41;text="Node restarted"',
    });
    expect(await store.cdrs.getCdr('call-2')).toMatchObject({
      status: 500,
      billableSeconds: 0,
      endAt: at(5), // opened after the heartbeat: last seen at its setup
      disposition: 'interrupted',
    });
    expect((await store.callJournal.openCalls()).map((c) => c.id)).toEqual(['call-3', 'call-4']);
    // A node not seen for long: any node's sweep closes its calls.
    const stale = await store.callJournal.recoverCalls({ staleBefore: at(10) });
    expect(stale.map((c) => c.id)).toEqual(['call-4']);
    expect((await store.cdrs.getCdr('call-4'))?.reason).toBe(
      'Q.850;cause=41;text="Node sb2:5060 not seen since 2026-01-01T12:00:06.000Z"',
    );
    expect((await store.callJournal.openCalls()).map((c) => c.id)).toEqual(['call-3']);
  });

  it('keeps the CDR a call already has (written just before its node died)', async () => {
    await store.callJournal.openCall(previous, call(1), at(1));
    await store.cdrs.addCdr({
      ...call(1),
      endAt: at(9),
      duration: 8,
      billableSeconds: 0,
      status: 486,
      cause: 17,
      hangup: 'callee',
      disposition: 'busy',
    });
    await store.callJournal.recoverCalls({ restartOf: current });
    expect((await store.cdrs.getCdr('call-1'))?.disposition).toBe('busy');
    expect(await store.callJournal.openCalls()).toEqual([]);
  });
}
