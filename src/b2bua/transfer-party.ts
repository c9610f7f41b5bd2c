import type { AddressOfRecord } from '../registrar/index.js';
import type { NameAddress } from '../sip/message/index.js';
import type { Target } from '../sip/transport/index.js';
import type { Trunk } from '../store/index.js';
import type { B2buaCall, Side } from './b2bua-call.js';

/** One side of a call as the node knows it: whom a transfer's new call is routed for, and how it shows. */
export interface Party {
  /** The name-addr the party has on its leg (no tag): the From of a call placed for the other side. */
  identity: NameAddress;
  /** The subscriber it is, when the node knows (proven caller, or the callee lookup's subscriber). */
  aor?: AddressOfRecord;
  /** The trunk it is behind (the call's inbound trunk, or the outbound trunk it was placed on). */
  trunk?: Trunk;
  /** Where its requests come from (the routing stages' source; the node's own for a callee). */
  source: Target;
}

/** The caller or callee of a B2BUA call as a party (RFC 3261 identities, the routing stages' findings). */
export function partyOf(call: B2buaCall, side: Side, own: Target): Party {
  const { request, context } = call.taken;
  if (side === 'caller') {
    const identity = request.from.clone();
    identity.params.delete('tag');
    return {
      identity,
      ...(context.caller ? { aor: context.caller } : {}),
      ...(context.trunk ? { trunk: context.trunk } : {}),
      source: context.source,
    };
  }
  const identity = request.to.clone();
  identity.params.delete('tag');
  const trunk = context.trunkCall?.trunk;
  return {
    identity,
    ...(context.called && !trunk ? { aor: context.called } : {}),
    ...(trunk ? { trunk } : {}),
    source: own,
  };
}
