import type { SipResponse } from '../message/message.js';

/** 4xx responses that carry information the caller can act on (RFC 3261 §16.7 step 6). */
const informative = new Set([401, 407, 415, 420, 484]);

/** Rank inside one class: informative 4xx first, a 408 (no answer, often our own timer) last. */
function rank(status: number): number {
  if (informative.has(status)) return 2;
  return status === 408 ? 0 : 1;
}

/**
 * Choose the response to send upstream when every branch has a final response
 * (RFC 3261 §16.7 step 6): a 6xx if any, else the lowest class, preferring informative 4xx and
 * any peer's answer over a 408 (§16.7 leaves the choice within the class to the proxy; a gateway
 * that timed out before another said 486 must not hide the 486, as Kamailio ranks 408 lowest).
 * Returns undefined when there is none (the caller sends 408).
 */
export function chooseBestResponse(responses: SipResponse[]): SipResponse | undefined {
  let best: SipResponse | undefined;
  for (const r of responses) {
    if (r.status >= 600) {
      if (!best || best.status < 600) best = r;
      continue;
    }
    if (best && best.status >= 600) continue;
    if (!best) {
      best = r;
      continue;
    }
    const cls = Math.floor(r.status / 100);
    const bestCls = Math.floor(best.status / 100);
    if (cls < bestCls || (cls === bestCls && rank(r.status) > rank(best.status))) best = r;
  }
  return best;
}

/** RFC 3261 §16.7 step 7: a 401/407 upstream carries the challenges of every 401/407 branch. */
export function aggregateChallenges(best: SipResponse, responses: SipResponse[]): void {
  if (best.status !== 401 && best.status !== 407) return;
  for (const r of responses) {
    if (r === best || (r.status !== 401 && r.status !== 407)) continue;
    for (const name of ['www-authenticate', 'proxy-authenticate']) {
      for (const h of r.headers) if (h.key === name) best.append(h.name, h.value);
    }
  }
}
