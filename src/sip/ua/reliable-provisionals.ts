import { randomInt } from 'node:crypto';
import type { SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/types.js';
import { Retransmit2xx } from './retransmit-2xx.js';
import { type RAck, RELIABLE_PROVISIONALS, requiresTag } from './rseq.js';
import type { UaTimers } from './types.js';

export interface ReliableProvisionalsOptions {
  timers: UaTimers;
  t1: number;
  transaction: ServerTransaction;
  /** 64·T1 passed without the PRACK of a reliable provisional (RFC 3262 §3). */
  onGiveUp(): void;
}

interface Pending {
  response: SipResponse;
  rseq: number;
  retransmitter: Retransmit2xx | undefined;
}

/**
 * The UAS side of RFC 3262 for one INVITE: each reliable provisional gets the next RSeq (§3: a
 * random start below 2**31, then one more each time) and is sent again at T1, 2·T1, 4·T1... until
 * its PRACK arrives, giving up after 64·T1. Only one is unacknowledged at a time: later ones
 * wait their turn. A 2xx must wait for the PRACK of a provisional that carried SDP (§3).
 */
export class ReliableProvisionals {
  private nextRSeq = randomInt(1, 2 ** 30);
  private pending: Pending | undefined;
  private readonly queue: SipResponse[] = [];
  private readonly waiting: Array<() => void> = [];
  private stopped = false;
  /** A reliable provisional with SDP was acknowledged (its offer/answer is complete, RFC 3311 §5.1). */
  sdpAcknowledged = false;

  constructor(private readonly options: ReliableProvisionalsOptions) {}

  /** Send (or queue) a provisional reliably: Require: 100rel and RSeq go on it here. */
  send(response: SipResponse): void {
    if (this.stopped) return;
    if (this.pending) {
      this.queue.push(response);
      return;
    }
    this.transmit(response);
  }

  /**
   * A PRACK's RAck: the provisional it acknowledges, or undefined when it matches none that is
   * unacknowledged (§3: answered 481).
   */
  acknowledge(rack: RAck, inviteSeq: number): SipResponse | undefined {
    const pending = this.pending;
    if (!pending || rack.rseq !== pending.rseq || rack.cseq !== inviteSeq || rack.method !== 'INVITE') {
      return undefined;
    }
    pending.retransmitter?.stop();
    this.pending = undefined;
    if (pending.response.body.length > 0) this.sdpAcknowledged = true;
    return pending.response;
  }

  /**
   * After the PRACK was answered: the next queued provisional goes, or the held 2xx. (Answering
   * the PRACK first keeps its 200 ahead of them on the wire.)
   */
  release(): void {
    if (this.stopped || this.pending) return;
    const next = this.queue.shift();
    if (next) this.transmit(next);
    else for (const run of this.waiting.splice(0)) run();
  }

  /**
   * Run `action` (the 2xx) now, or once no provisional with SDP is left unacknowledged (§3).
   * Provisionals still queued without SDP are dropped: the final response supersedes them.
   */
  beforeSuccess(action: () => void): void {
    const sdpOutstanding =
      (this.pending?.response.body.length ?? 0) > 0 || this.queue.some((r) => r.body.length > 0);
    if (!sdpOutstanding) {
      this.stop();
      action();
      return;
    }
    this.waiting.push(() => {
      this.stop();
      action();
    });
  }

  /** Whether a 2xx is waiting for a PRACK. */
  get holdingSuccess(): boolean {
    return this.waiting.length > 0;
  }

  /**
   * The INVITE got its final response or the session ended: no more retransmissions or queued
   * provisionals. A PRACK for the one in flight still gets its 2xx (it crossed our final response).
   */
  stop(): void {
    this.stopped = true;
    this.pending?.retransmitter?.stop();
    this.queue.length = 0;
    this.waiting.length = 0;
  }

  private transmit(response: SipResponse): void {
    const rseq = this.nextRSeq++;
    if (!requiresTag(response, RELIABLE_PROVISIONALS)) response.append('require', RELIABLE_PROVISIONALS);
    response.set('rseq', String(rseq));
    const { transaction } = this.options;
    transaction.respond(response);
    // §3: the interval starts at T1 and doubles (no T2 cap); 64·T1 without PRACK → give up.
    const retransmitter = new Retransmit2xx({
      timers: this.options.timers,
      t1: this.options.t1,
      t2: Number.POSITIVE_INFINITY,
      retransmit: transaction.source.protocol === 'udp',
      send: () => transaction.respond(response),
      onGiveUp: () => {
        this.stop();
        this.options.onGiveUp();
      },
    });
    this.pending = { response, rseq, retransmitter };
  }
}
