import type { SipResponse } from '../message/index.js';
import { seconds } from './granted-expires.js';

/**
 * When to refresh a binding granted for `expires` seconds: half-way through short ones, 30 s
 * before the end of long ones (never later than either), so one lost REGISTER still leaves time
 * for Timer F's retransmissions (RFC 3261 §10.2.4: refresh before the binding runs out).
 */
export function refreshDelayMs(expires: number): number {
  return Math.max(expires / 2, expires - 30) * 1000;
}

export interface RetryPolicy {
  /** First wait after a failure; doubled for every failure in a row. */
  minMs: number;
  /** The longest wait. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { minMs: 5_000, maxMs: 300_000 };

/**
 * How long to wait after the `failures`-th failure in a row: what a 503's (or 500's, 404's...)
 * Retry-After says when it says something (RFC 3261 §20.33, §21.5.4), else an exponential back-off.
 */
export function retryDelayMs(response: SipResponse, failures: number, policy: RetryPolicy): number {
  const after = seconds(response.get('retry-after')?.split(/[;(]/)[0]);
  // Retry-After says "not before": never sooner, and never sooner than the back-off's first step.
  if (after !== undefined) return Math.max(after * 1000, policy.minMs);
  const doubled = policy.minMs * 2 ** Math.min(Math.max(failures - 1, 0), 20);
  return Math.min(doubled, policy.maxMs);
}
