import { parseNameAddress, type SipRequest, splitList } from '../../sip/message/index.js';

/** RFC 5806 §4 diversion-reason values this node gives. */
export type DiversionReason = 'unconditional' | 'user-busy' | 'no-answer' | 'unavailable';

/** One diversion of a call: who forwarded it, and why. */
export interface Diversion {
  /** `sip:alice@example.com`: the forwarding subscriber. */
  from: string;
  reason: DiversionReason;
}

/** The Diversion header value for one diversion (RFC 5806 §4: the diverting user, reason, counter). */
export function diversionValue(diversion: Diversion): string {
  return `<${diversion.from}>;reason=${diversion.reason};counter=1`;
}

/**
 * The diversions a request arrived with: their addresses (for loop detection) and their count,
 * the sum of the counters (RFC 5806 §4: a missing counter is 1). Unparsable values count as one.
 */
export function receivedDiversions(request: SipRequest): { addresses: string[]; count: number } {
  const addresses: string[] = [];
  let count = 0;
  // Diversion is a comma-separated list of name-addrs (RFC 5806 §4); one header may hold several.
  for (const value of request.getAll('diversion').flatMap(splitList)) {
    try {
      const entry = parseNameAddress(value);
      const counter = Number(entry.params.get('counter') ?? '1');
      count += Number.isInteger(counter) && counter > 0 ? Math.min(counter, 100) : 1;
      if (entry.uri.kind === 'sip' && entry.uri.user !== undefined)
        addresses.push(`sip:${entry.uri.user}@${entry.uri.hostname}`);
    } catch {
      count += 1;
    }
  }
  return { addresses, count };
}

/** RFC 5806: each diverting entity adds its Diversion above those already there (newest first). */
export function addDiversions(copy: SipRequest, diversions: readonly Diversion[]): void {
  for (const diversion of diversions) copy.prepend('Diversion', diversionValue(diversion));
}
