import type { CallJournalRepository, Cdr, JournalOwner, JournalWrite, OpenCall } from '../store/index.js';
import type { LiveCall } from './live-call.js';

export interface CallJournalOptions {
  store: CallJournalRepository;
  /** This node (`hostname:sipPort`) and this run of it (new at each start). */
  owner: JournalOwner;
  /** ms between heartbeats: the records of this run are marked seen (`b2bua.journalHeartbeat`, default 10 s). */
  heartbeatMs?: number;
  /**
   * ms the writes of calls wait to be committed together (default 20): one SQLite commit for all
   * the calls set up, answered or ended in that time, and none for a call that came and went in it.
   */
  flushMs?: number;
  /** A record of any node not seen for this long is closed as interrupted (`b2bua.journalStaleAfter`; default 6 heartbeats). */
  staleAfterMs?: number;
  now?: () => number;
  onError: (error: unknown, context: string) => void;
  /** CDRs written for calls a dead node left (recovery at start, or the sweep of stale records). */
  onRecovered?: (cdrs: Cdr[]) => void;
}

/**
 * The journal of the B2BUA's calls in progress (issue 9 item 6: no CDR lost to a restart): a
 * record in the store from a call's setup, updated at its answer and by a heartbeat, deleted once
 * its CDR is written. A node killed mid-call leaves its records; at its next start they become
 * `interrupted` CDRs ending when each call was last seen (at most one heartbeat early), and any
 * node closes the records of a node not seen for `staleAfterMs` (one that never came back).
 * Writes are grouped (`flushMs`) and committed in one transaction, in order; a failed batch is
 * logged and counted, and the calls go on.
 */
export class CallJournal {
  /** Records written, and writes that failed. */
  written = 0;
  failed = 0;
  recovered = 0;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly flushMs: number;
  /** Writes not yet handed to the store, in the order the calls made them. */
  private queued: Array<JournalWrite & { id: string }> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** The batch being committed; the next one waits for it (writes stay in order). */
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly options: CallJournalOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.staleAfterMs = options.staleAfterMs ?? 6 * this.heartbeatMs;
    this.now = options.now ?? Date.now;
    this.flushMs = options.flushMs ?? 20;
  }

  opened(call: LiveCall): void {
    this.queue({ kind: 'open', id: call.id, call: openCallOf(call), at: new Date(this.now()) });
  }

  answered(call: LiveCall): void {
    this.queue({ kind: 'update', id: call.id, call: openCallOf(call), at: new Date(this.now()) });
  }

  /** The call's CDR is written: its record goes. */
  closed(id: string): void {
    this.queue({ kind: 'close', id });
  }

  /** At start: the calls a previous run of this node left become interrupted CDRs. */
  async recover(): Promise<Cdr[]> {
    const cdrs = await this.options.store.recoverCalls({ restartOf: this.options.owner });
    this.count(cdrs);
    return cdrs;
  }

  /** Heartbeats, and the sweep of other nodes' stale records, every `heartbeatMs`. */
  start(): void {
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => {
        this.beating = undefined;
      });
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the heartbeat and commits the writes still queued. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.flush();
  }

  private async beat(): Promise<void> {
    const at = this.now();
    try {
      await this.options.store.heartbeat(this.options.owner, new Date(at));
      const cdrs = await this.options.store.recoverCalls({ staleBefore: new Date(at - this.staleAfterMs) });
      this.count(cdrs);
    } catch (error) {
      this.failed++;
      this.options.onError(error, 'call journal heartbeat');
    }
  }

  private count(cdrs: Cdr[]): void {
    this.recovered += cdrs.length;
    if (cdrs.length > 0) this.options.onRecovered?.(cdrs);
  }

  private queue(write: JournalWrite & { id: string }): void {
    this.queued.push(write);
    this.flushTimer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Commits the queued writes as one batch, after the batch before it. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.queued;
    this.queued = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.options.store.write(this.options.owner, coalesce(batch));
        this.written += batch.length;
      } catch (error) {
        this.failed += batch.length;
        this.options.onError(error, 'call journal write');
      }
    });
    return this.flushing;
  }
}

/**
 * A batch's writes with what cancels out taken away: a call opened and closed within it is never
 * written, and a call's open or update followed by updates becomes the last of them (each write
 * carries the whole record). Writes stay in their calls' order.
 */
export function coalesce(batch: ReadonlyArray<JournalWrite & { id: string }>): JournalWrite[] {
  const latest = new Map<string, JournalWrite & { id: string }>();
  const opened = new Set<string>();
  for (const write of batch) {
    const before = latest.get(write.id);
    if (write.kind === 'open') opened.add(write.id);
    if (write.kind === 'close' && opened.has(write.id)) {
      latest.delete(write.id);
      continue;
    }
    // An update after an open (in this batch) is the open with newer values.
    latest.set(
      write.id,
      write.kind === 'update' && before?.kind === 'open' ? { ...write, kind: 'open' } : write,
    );
  }
  return [...latest.values()];
}

/** A live call as its journal record. */
function openCallOf(call: LiveCall): OpenCall {
  const open: OpenCall = {
    id: call.id,
    callerCallId: call.legs[0].callId,
    calleeCallId: call.legs[1].callId,
    caller: call.caller,
    callee: call.callee,
    setupAt: new Date(call.setupAt),
  };
  if (call.sourceTrunk) open.sourceTrunk = call.sourceTrunk;
  if (call.trunk) open.trunk = call.trunk;
  if (call.ringingAt !== undefined) open.ringingAt = new Date(call.ringingAt);
  if (call.answerAt !== undefined) open.answerAt = new Date(call.answerAt);
  return open;
}
