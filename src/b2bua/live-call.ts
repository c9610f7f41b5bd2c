import type { SessionState } from '../sip/ua/index.js';
import type { B2buaCall } from './b2bua-call.js';

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
export function liveCallOf(call: B2buaCall, relay: string | undefined): LiveCall {
  const context = call.taken.context;
  const state: LiveCallState = !call.active
    ? 'ending'
    : call.answerAt !== undefined
      ? 'answered'
      : call.ringingAt !== undefined
        ? 'ringing'
        : 'setup';
  const live: LiveCall = {
    id: call.id,
    caller: context.caller?.aor ?? call.taken.request.from.uri.toString(),
    callee: call.taken.request.uri.toString(),
    state,
    setupAt: call.setupAt,
    legs: [
      { side: 'caller', callId: call.callerCallId, state: call.caller.state },
      { side: 'callee', callId: call.calleeCallId, state: call.callee.state },
    ],
  };
  if (call.ringingAt !== undefined) live.ringingAt = call.ringingAt;
  if (call.answerAt !== undefined) live.answerAt = call.answerAt;
  if (context.trunk) live.sourceTrunk = context.trunk.name;
  const trunk = context.trunkCall?.trunk?.name;
  if (trunk) live.trunk = trunk;
  if (relay) live.mediaRelay = relay;
  return live;
}
