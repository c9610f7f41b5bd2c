import { describe, expect, it } from 'vitest';
import { type CallRecord, CdrWriter, cdrOf, durations } from '../../../src/b2bua/index.js';
import type { Cdr } from '../../../src/store/index.js';
import { FakeClock } from '../ua/fakes.js';

const record: CallRecord = {
  id: 'c1',
  callerCallId: 'a@x',
  calleeCallId: 'b',
  caller: 'sip:alice@example.com',
  callee: 'sip:+4930123@example.com',
  trunk: 'carrier-out',
  setupAt: 1_000,
  ringingAt: 1_500,
  answerAt: 3_000,
  endAt: 63_001,
  status: 200,
  cause: 16,
  hangup: 'caller',
  disposition: 'answered',
};

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('CDR of a call', () => {
  it('has the times, the duration from setup and the billable seconds from answer, rounded up', () => {
    const cdr = cdrOf(record);
    expect(cdr).toMatchObject({
      setupAt: new Date(1_000),
      ringingAt: new Date(1_500),
      answerAt: new Date(3_000),
      endAt: new Date(63_001),
      duration: 62.001,
      billableSeconds: 61,
      trunk: 'carrier-out',
    });
    expect(cdr.sourceTrunk).toBeUndefined();
  });

  it('bills nothing for an unanswered call', () => {
    const { answerAt: _, ...unanswered } = record;
    expect(durations(unanswered)).toEqual({ duration: 62.001, billable: 0 });
  });
});

describe('CdrWriter', () => {
  it('retries a failed write, doubling the wait, until the store takes it', async () => {
    const clock = new FakeClock();
    const stored: Cdr[] = [];
    let failures = 2;
    const retries: number[] = [];
    const writer = new CdrWriter({
      store: {
        addCdrs: async (cdrs) => {
          if (failures-- > 0) throw new Error('database is down');
          stored.push(...cdrs);
        },
      },
      timers: clock,
      flushMs: 0,
      retryDelay: 1000,
      onRetry: (_cdr, _error, attempt) => retries.push(attempt),
    });
    writer.write(record);
    await settle();
    expect(stored).toHaveLength(0);
    expect(writer.backlog).toBe(1);
    clock.advance(1000);
    await settle();
    expect(stored).toHaveLength(0);
    clock.advance(1999);
    await settle();
    expect(stored).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(stored.map((c) => c.id)).toEqual(['c1']);
    expect(retries).toEqual([1, 2]);
    expect({ written: writer.written, retried: writer.retried, backlog: writer.backlog }).toEqual({
      written: 1,
      retried: 2,
      backlog: 0,
    });
  });

  it('gives a CDR it cannot write at stop to onGiveUp (logged whole), never drops it quietly', async () => {
    const clock = new FakeClock();
    const givenUp: Cdr[] = [];
    const writer = new CdrWriter({
      store: {
        addCdrs: async () => {
          throw new Error('database is down');
        },
      },
      timers: clock,
      flushMs: 0,
      onGiveUp: (cdr) => givenUp.push(cdr),
    });
    writer.write(record);
    await settle();
    await writer.stop();
    expect(givenUp.map((c) => c.id)).toEqual(['c1']);
    expect(writer.givenUp).toBe(1);
    expect(writer.backlog).toBe(0);
  });

  it('with too many waiting, gives the oldest up to the log rather than growing without bound', async () => {
    const clock = new FakeClock();
    const givenUp: string[] = [];
    const writer = new CdrWriter({
      store: {
        addCdrs: async () => {
          throw new Error('down');
        },
      },
      timers: clock,
      flushMs: 0,
      maxPending: 2,
      onGiveUp: (cdr) => givenUp.push(cdr.id),
    });
    for (const id of ['c1', 'c2', 'c3']) writer.write({ ...record, id });
    await settle();
    expect(writer.backlog).toBe(2);
    expect(givenUp).toEqual(['c1']);
  });

  it('writes the CDRs of calls ending together in one batch', async () => {
    const clock = new FakeClock();
    const batches: string[][] = [];
    const written: string[] = [];
    const writer = new CdrWriter({
      store: {
        addCdrs: async (cdrs) => {
          batches.push(cdrs.map((c) => c.id));
        },
      },
      timers: clock,
      flushMs: 20,
      onWritten: (cdr) => written.push(cdr.id),
    });
    for (const id of ['c1', 'c2', 'c3']) writer.write({ ...record, id });
    await settle();
    expect(batches).toEqual([]);
    clock.advance(20);
    await settle();
    expect(batches).toEqual([['c1', 'c2', 'c3']]);
    writer.write({ ...record, id: 'c4' });
    await writer.stop(); // what is queued at stop is written before it returns
    expect(batches).toEqual([['c1', 'c2', 'c3'], ['c4']]);
    expect(written).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(writer.written).toBe(4);
  });
});
