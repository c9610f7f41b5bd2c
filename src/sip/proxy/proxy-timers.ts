import { systemClock } from '../transaction/clock.js';
import { type Ticket, TimerQueue } from '../transaction/timer-queue.js';
import type { Clock } from '../transaction/types.js';

/** A branch's ticket field when its timer is not running (tickets are never negative). */
export const NOT_ARMED: Ticket = -1;

/**
 * Real time for the proxy's timers, which do not hold the event loop: a queue's clock timer
 * outlives its last entry (cancellation is lazy) and must not keep an idle process up for as long
 * as Timer C. A live branch never needs it to: its transactions and sockets hold the loop.
 */
export const proxyClock: Clock = {
  now: systemClock.now,
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: systemClock.clearTimeout,
};

/** What fires when a branch's timer is due (the proxy core's handlers, one each, not per branch). */
export interface BranchTimerHandlers<B> {
  /** RFC 3261 §16.6 step 11, §16.8. */
  timerC(branch: B): void;
  /** RFC 3261 §9.1: 64·T1 after the CANCEL with no final response. */
  cancelTimer(branch: B): void;
  noAnswer(branch: B): void;
  noReply(branch: B): void;
}

/**
 * The proxy's branch timers, in queues shared by every branch instead of a Node timer and a
 * closure per arm: Timer C and the CANCEL give-up each have one delay, and the targets' ring and
 * reply timeouts a few (one per route or trunk setting), each its own queue made on first use.
 * Every queue fires when due, to the millisecond, as the Node timers did.
 */
export class ProxyTimers<B> {
  readonly timerC: TimerQueue<B>;
  readonly cancel: TimerQueue<B>;
  private readonly noAnswers = new Map<number, TimerQueue<B>>();
  private readonly noReplies = new Map<number, TimerQueue<B>>();

  constructor(
    readonly clock: Clock,
    private readonly handlers: BranchTimerHandlers<B>,
  ) {
    this.timerC = new TimerQueue<B>(clock, handlers.timerC);
    this.cancel = new TimerQueue<B>(clock, handlers.cancelTimer);
  }

  noAnswer(ms: number): TimerQueue<B> {
    return this.byDelay(this.noAnswers, ms, this.handlers.noAnswer);
  }

  noReply(ms: number): TimerQueue<B> {
    return this.byDelay(this.noReplies, ms, this.handlers.noReply);
  }

  private byDelay(queues: Map<number, TimerQueue<B>>, ms: number, fire: (branch: B) => void): TimerQueue<B> {
    let queue = queues.get(ms);
    if (queue === undefined) {
      queue = new TimerQueue<B>(this.clock, fire);
      queues.set(ms, queue);
    }
    return queue;
  }
}
