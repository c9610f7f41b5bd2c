import { parseNameAddress, type SipRequest } from '../sip/message/index.js';
import type { RegisterContact } from './registration-plan.js';

/**
 * RFC 5626 §6: whether the registrar does outbound for this REGISTER, and then says so with
 * `Require: outbound` in its 200. The UA must support it (`Supported: outbound`), register a
 * contact with `+sip.instance` and `reg-id`, and its first hop must keep the flow: this node
 * (the REGISTER has one Via: it came straight over the flow) or an edge proxy whose Path
 * carries `;ob`.
 */
export function usesOutbound(
  request: SipRequest,
  contacts: readonly RegisterContact[] | '*',
  path: readonly string[],
): boolean {
  if (contacts === '*') return false;
  if (!request.getAll('supported').some((t) => t.toLowerCase() === 'outbound')) return false;
  if (!contacts.some((c) => c.params.instanceId !== undefined && c.params.regId !== undefined)) return false;
  return firstHopHere(request) || firstPathHasOb(path);
}

function firstHopHere(request: SipRequest): boolean {
  try {
    return request.via.length === 1;
  } catch {
    return false;
  }
}

function firstPathHasOb(path: readonly string[]): boolean {
  const first = path[0];
  if (first === undefined) return false;
  try {
    const uri = parseNameAddress(first).uri;
    return uri.kind === 'sip' && uri.params.has('ob');
  } catch {
    return false;
  }
}
