import { DEFAULT_NAT_TESTS, natedContact, natUacTest } from '../edge/nat/index.js';
import type { RoutingContext } from '../routing/index.js';
import type { SipRequest } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { Target } from '../sip/transport/index.js';
import type { Trunk } from '../store/index.js';

/** A subscriber taking part in a call, as its policies are keyed. */
export interface SubscriberParty {
  /** `user@domain` (no scheme): the key of call and recording policies. */
  name: string;
  domain: string;
  /** The phone is behind NAT (nat_uac_test on the caller, a NATed binding for the callee). */
  nated: boolean;
}

/** Who a call is between, as the routing stages found them: whose policies apply. */
export interface PartiesOfCall {
  /** The subscriber who proved to be the caller. */
  caller?: SubscriberParty;
  /** The subscriber of ours whose phones the call rings. */
  callee?: SubscriberParty;
  /** The trunk the call came in from, and the one it goes out to. */
  sourceTrunk?: Trunk;
  trunk?: Trunk;
  /** The call goes off-net through least-cost routing (a trunk call even before its trunk is known). */
  offNet?: boolean;
}

/** `user@domain` as policies are keyed: no scheme, the domain lower-cased (user parts are case-sensitive). */
function policyKey(aor: string): string {
  const bare = aor.replace(/^sips?:/i, '');
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

function isTarget(hop: ForwardTarget['nextHop']): hop is Target {
  return typeof hop === 'object' && hop !== null && 'address' in hop && 'port' in hop;
}

/** The parties of a new call the stages decided to forward to `targets`. */
export function partiesOf(
  request: SipRequest,
  context: RoutingContext,
  targets: ForwardTarget[],
): PartiesOfCall {
  const parties: PartiesOfCall = {};
  if (context.caller) {
    const detect = context.nat?.options.detect ?? DEFAULT_NAT_TESTS;
    parties.caller = {
      name: policyKey(context.caller.aor),
      domain: context.caller.domain.toLowerCase(),
      nated: natUacTest(request, context.source, detect),
    };
  }
  const calleeAor =
    context.callee?.aor ??
    (context.domain !== undefined && request.uri.kind === 'sip' && request.uri.user
      ? `${request.uri.user}@${context.domain}`
      : undefined);
  const calleeDomain = context.callee?.domain ?? context.domain;
  if (calleeAor !== undefined && calleeDomain !== undefined && context.trunkCall === undefined) {
    parties.callee = {
      name: policyKey(calleeAor),
      domain: calleeDomain.toLowerCase(),
      // The binding's contact names another address than its REGISTER came from (Kamailio's nat=yes).
      nated: targets.some((t) => isTarget(t.nextHop) && natedContact(t.uri.toString(), t.nextHop)),
    };
  }
  if (context.trunk) parties.sourceTrunk = context.trunk;
  const outbound = context.trunkCall?.trunk;
  if (outbound) parties.trunk = outbound;
  if (context.trunkCall) parties.offNet = true;
  return parties;
}
