import type { SessionState } from '../sip/ua/index.js';
import { B2buaCall } from './b2bua-call.js';
import type { HeldCall } from './transfer.js';

/** Where a live call stands: placing the callee leg, ringing, answered, or ending (BYE/CANCEL sent). */
export type LiveCallState = 'setup' | 'ringing' | 'answered' | 'ending';

/** One leg of a live call: the caller's (UAS) or the callee's (UAC, the node's own Call-ID). */
export interface LiveLeg {
  side: 'caller' | 'callee';
  callId: string;
  /** The leg's INVITE session state (RFC 3261 §12 dialog states, plus initial and terminated). */
  state: SessionState;
}

/** A call the B2BUA holds now, as the API and `switchboard calls` show it. */
export interface LiveCall {
  id: string;
  caller: string;
  callee: string;
  state: LiveCallState;
  /** ms since the epoch. */
  setupAt: number;
  ringingAt?: number;
  answerAt?: number;
  /** Inbound trunk the call came from, outbound trunk it goes to. */
  sourceTrunk?: string;
  trunk?: string;
  /** The media relay anchoring the call's media (`builtin`, `rtpengine`), absent when media passes by. */
  mediaRelay?: string;
  legs: [LiveLeg, LiveLeg];
}

/** The view of a call in progress; `relay` is the media relay's kind when media is anchored. */
export function liveCallOf(call: HeldCall, relay: string | undefined): LiveCall {
  const state: LiveCallState = !call.active
    ? 'ending'
    : call.answerAt !== undefined
      ? 'answered'
      : call.ringingAt !== undefined
        ? 'ringing'
        : 'setup';
  const [callerState, calleeState] =
    call instanceof B2buaCall
      ? [call.caller.state, call.callee.state]
      : [call.session('caller').state, call.session('callee').state];
  const live: LiveCall = {
    id: call.id,
    ...partiesOf(call),
    state,
    setupAt: call.setupAt,
    legs: [
      { side: 'caller', callId: call.callerCallId, state: callerState },
      { side: 'callee', callId: call.calleeCallId, state: calleeState },
    ],
  };
  if (call.ringingAt !== undefined) live.ringingAt = call.ringingAt;
  if (call.answerAt !== undefined) live.answerAt = call.answerAt;
  if (relay) live.mediaRelay = relay;
  return live;
}

/**
 * Who a call is between and through which trunks: a taken call's caller (the proven subscriber,
 * else the From URI) and callee (Request-URI); a transfer's referrer and target.
 */
export function partiesOf(call: HeldCall): Pick<LiveCall, 'caller' | 'callee' | 'sourceTrunk' | 'trunk'> {
  if (call instanceof B2buaCall) {
    const context = call.taken.context;
    const source = context.trunk?.name;
    const trunk = context.trunkCall?.trunk?.name;
    return {
      caller: context.caller?.aor ?? call.taken.request.from.uri.toString(),
      callee: call.taken.request.uri.toString(),
      ...(source ? { sourceTrunk: source } : {}),
      ...(trunk ? { trunk } : {}),
    };
  }
  // As its CDR says: the referrer placed the transferred call (and pays for it).
  const { referrer, target } = call.parties;
  return {
    caller: referrer.aor?.aor ?? referrer.identity.uri.toString(),
    callee: target.aor?.aor ?? target.identity.uri.toString(),
    ...(referrer.trunk ? { sourceTrunk: referrer.trunk.name } : {}),
    ...(target.trunk ? { trunk: target.trunk.name } : {}),
  };
}
