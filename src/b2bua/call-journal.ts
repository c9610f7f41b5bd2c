import type { CallJournalRepository, Cdr, JournalOwner, OpenCall } from '../store/index.js';
import type { LiveCall } from './live-call.js';

export interface CallJournalOptions {
  store: CallJournalRepository;
  /** This node (`hostname:sipPort`) and this run of it (new at each start). */
  owner: JournalOwner;
  /** ms between heartbeats: the records of this run are marked seen (default 10 s). */
  heartbeatMs?: number;
  /** A record of any node not seen for this long is closed as interrupted (default 6 heartbeats). */
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
 * Writes of one call go in order; a failed write is logged and the call goes on.
 */
export class CallJournal {
  /** Records written, and writes that failed. */
  written = 0;
  failed = 0;
  recovered = 0;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly chains = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly options: CallJournalOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.staleAfterMs = options.staleAfterMs ?? 6 * this.heartbeatMs;
    this.now = options.now ?? Date.now;
  }

  opened(call: LiveCall): void {
    this.step(call.id, 'open', () =>
      this.options.store.openCall(this.options.owner, openCallOf(call), new Date(this.now())),
    );
  }

  answered(call: LiveCall): void {
    this.step(call.id, 'answer', () => this.options.store.updateCall(openCallOf(call), new Date(this.now())));
  }

  /** The call's CDR is written: its record goes. */
  closed(id: string): void {
    this.step(id, 'close', () => this.options.store.closeCall(id));
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

  /** Stops the heartbeat and waits for the writes under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await Promise.allSettled([...this.chains.values()]);
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

  private step(id: string, what: string, write: () => Promise<void>): void {
    const chain = (this.chains.get(id) ?? Promise.resolve())
      .then(write)
      .then(
        () => {
          this.written++;
        },
        (error: unknown) => {
          this.failed++;
          this.options.onError(error, `call journal ${what}`);
        },
      )
      .finally(() => {
        if (this.chains.get(id) === chain) this.chains.delete(id);
      });
    this.chains.set(id, chain);
  }
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
