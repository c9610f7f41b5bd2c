import type { VerifyOutcome } from '../sip/auth/index.js';

/** Failures a fresh challenge cures: a nonce from before a restart, a reused nonce-count. */
const curable = new Set(['invalid nonce', 'replayed nonce-count']);

/**
 * Whether to answer with a (new) challenge rather than 403: no credentials, a stale nonce
 * (RFC 7616 §3.3), or a nonce we no longer honour. A phone refreshing with the nonce of a node
 * that restarted must be challenged again, not told it is forbidden (many give up on 403).
 */
export function needsChallenge(outcome: VerifyOutcome): boolean {
  if (outcome.result === 'missing' || outcome.result === 'stale') return true;
  return outcome.result === 'failed' && curable.has(outcome.reason);
}
