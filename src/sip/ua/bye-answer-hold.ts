import type { SipRequest } from '../message/index.js';
import type { ErrorSink, UaTimers } from './types.js';

/**
 * What the 200 to the peer's BYE waits for (InviteSession.holdByeAnswer): work the session's user
 * must finish before the peer learns the call is over (a recording closed and published).
 */
export interface ByeAnswerHold {
  /** The work the 200 waits for; its rejection or throw is reported and the 200 goes anyway. */
  until: (bye: SipRequest) => Promise<unknown>;
  /** Longest wait in ms; capped at 32·T1, half the peer's Timer F (RFC 3261 §17.1.2.2). */
  boundMs: number;
  /** The bound passed before `until` settled: the 200 goes now and `until` goes on behind it. */
  onBound?: (bye: SipRequest) => void;
}

/** What waiting on a hold needs of the session's host. */
export interface ByeAnswerWaitContext {
  timers: UaTimers;
  t1: number;
  onError: ErrorSink;
}

/**
 * Settles once `hold.until(bye)` has settled or the bound has passed, whichever is first; never
 * rejects. §15.1.2 wants a BYE answered and the peer gives up at Timer F (64·T1): whatever the
 * user asks, the answer leaves by 32·T1, a hook that never settles included.
 */
export function waitForByeAnswerHold(
  hold: ByeAnswerHold,
  bye: SipRequest,
  context: ByeAnswerWaitContext,
): Promise<void> {
  const boundMs = Math.min(hold.boundMs, 32 * context.t1);
  return new Promise((resolve) => {
    let settled = false;
    const release = (bound: boolean) => {
      if (settled) return;
      settled = true;
      context.timers.clearTimeout(timer);
      if (bound) report(context, () => hold.onBound?.(bye), 'BYE answer hold: onBound');
      resolve();
    };
    const timer = context.timers.setTimeout(() => release(true), boundMs);
    let work: Promise<unknown>;
    try {
      work = hold.until(bye);
    } catch (error) {
      work = Promise.reject(error);
    }
    Promise.resolve(work).then(
      () => release(false),
      (error: unknown) => {
        context.onError(error, 'BYE answer hold');
        release(false);
      },
    );
  });
}

function report(context: ByeAnswerWaitContext, step: () => void, what: string): void {
  try {
    step();
  } catch (error) {
    context.onError(error, what);
  }
}
