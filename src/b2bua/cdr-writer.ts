import type { Cdr, CdrRepository } from '../store/index.js';
import type { CallRecordSink } from './b2bua.js';
import { type CallRecord, durations } from './call-record.js';

/** The CDR of an ended call. */
export function cdrOf(record: CallRecord): Cdr {
  const { duration, billable } = durations(record);
  const cdr: Cdr = {
    id: record.id,
    callerCallId: record.callerCallId,
    calleeCallId: record.calleeCallId,
    caller: record.caller,
    callee: record.callee,
    setupAt: new Date(record.setupAt),
    endAt: new Date(record.endAt),
    duration,
    billableSeconds: billable,
    status: record.status,
    cause: record.cause,
    hangup: record.hangup,
    disposition: record.disposition,
  };
  if (record.sourceTrunk) cdr.sourceTrunk = record.sourceTrunk;
  if (record.trunk) cdr.trunk = record.trunk;
  if (record.ringingAt !== undefined) cdr.ringingAt = new Date(record.ringingAt);
  if (record.answerAt !== undefined) cdr.answerAt = new Date(record.answerAt);
  if (record.media) cdr.media = record.media;
  if (record.reason) cdr.reason = record.reason;
  if (record.recordingId) cdr.recordingId = record.recordingId;
  return cdr;
}

export interface CdrWriterOptions {
  store: Pick<CdrRepository, 'addCdrs'>;
  /** A CDR that could not be written yet (it is retried), or given up (it is logged whole). */
  onRetry?: (cdr: Cdr, error: unknown, attempt: number) => void;
  onGiveUp?: (cdr: Cdr, error: unknown) => void;
  /** A CDR is in the store (the call's journal record may go). */
  onWritten?: (cdr: Cdr) => void;
  /**
   * ms the CDRs of calls ending together wait to be written in one transaction (default 20; 0:
   * each at once). A crash meanwhile loses nothing: the calls' journal records become CDRs.
   */
  flushMs?: number;
  /** ms before the first retry, doubling up to maxDelay. */
  retryDelay?: number;
  maxDelay?: number;
  /** CDRs waiting for a retry at most; past it the oldest is given up (logged, counted). */
  maxPending?: number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

/**
 * Writes each ended call's CDR to the store. No CDR is lost quietly: a failed write is retried
 * (1 s doubling to 60 s, for as long as the node runs — a database restart is survived), counted,
 * and a CDR given up (too many pending, or the node stopping with the database still down) is
 * logged whole through `onGiveUp` so it can be recovered from the log.
 */
export class CdrWriter implements CallRecordSink {
  written = 0;
  retried = 0;
  givenUp = 0;
  private readonly pending = new Map<string, { cdr: Cdr; attempt: number; timer: unknown }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelay: number;
  private readonly maxDelay: number;
  private readonly maxPending: number;
  private readonly flushMs: number;
  /** CDRs waiting for the next grouped write. */
  private queued: Cdr[] = [];
  private flushTimer: unknown;
  private readonly timers: NonNullable<CdrWriterOptions['timers']>;
  private stopped = false;

  constructor(private readonly options: CdrWriterOptions) {
    this.retryDelay = options.retryDelay ?? 1000;
    this.maxDelay = options.maxDelay ?? 60_000;
    this.maxPending = options.maxPending ?? 10_000;
    this.flushMs = options.flushMs ?? 20;
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
  }

  /** CDRs waiting for a retry. */
  get backlog(): number {
    return this.pending.size;
  }

  write(record: CallRecord): void {
    this.queued.push(cdrOf(record));
    if (this.flushMs === 0) this.flush();
    else this.flushTimer ??= this.timers.setTimeout(() => this.flush(), this.flushMs);
  }

  /** At node stop: one last try of every pending CDR; those still failing are given up (logged). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.flush();
    await Promise.allSettled([...this.inFlight]);
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const entry of left) this.timers.clearTimeout(entry.timer);
    await Promise.allSettled(
      left.map(async ({ cdr }) => {
        try {
          await this.options.store.addCdrs([cdr]);
          this.written++;
          this.options.onWritten?.(cdr);
        } catch (error) {
          this.giveUp(cdr, error);
        }
      }),
    );
  }

  /** Writes the queued CDRs as one batch; a failed batch's CDRs are retried one by one. */
  private flush(): void {
    if (this.flushTimer !== undefined) this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.queued;
    this.queued = [];
    if (batch.length > 0) this.attempt(batch, 1);
  }

  private attempt(cdrs: Cdr[], attempt: number): void {
    const write = this.options.store
      .addCdrs(cdrs)
      .then(
        () => {
          for (const cdr of cdrs) {
            this.written++;
            this.options.onWritten?.(cdr);
          }
        },
        (error: unknown) => {
          for (const cdr of cdrs) this.failed(cdr, attempt, error);
        },
      )
      .finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }

  private failed(cdr: Cdr, attempt: number, error: unknown): void {
    if (this.stopped) {
      this.giveUp(cdr, error);
      return;
    }
    this.retried++;
    this.options.onRetry?.(cdr, error, attempt);
    if (this.pending.size >= this.maxPending) {
      const [oldestId, oldest] = this.pending.entries().next().value as [
        string,
        { cdr: Cdr; timer: unknown },
      ];
      this.pending.delete(oldestId);
      this.timers.clearTimeout(oldest.timer);
      this.giveUp(oldest.cdr, error);
    }
    const delay = Math.min(this.maxDelay, this.retryDelay * 2 ** (attempt - 1));
    const timer = this.timers.setTimeout(() => {
      this.pending.delete(cdr.id);
      this.attempt([cdr], attempt + 1);
    }, delay);
    this.pending.set(cdr.id, { cdr, attempt, timer });
  }

  private giveUp(cdr: Cdr, error: unknown): void {
    this.givenUp++;
    this.options.onGiveUp?.(cdr, error);
  }
}
