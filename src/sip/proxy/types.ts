import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import type { Uri } from '../message/uri.js';
import type { ClientTransaction, ClientTransactionHandlers, Clock } from '../transaction/types.js';
import type { Target, TransportProtocol } from '../transport/types.js';
import type { FlowTokenSource } from './forward-request.js';

/** What the proxy core needs from the stack (SipStack implements it). */
export interface ProxyStack {
  sendRequest(request: SipRequest, target: Target, handlers: ClientTransactionHandlers): ClientTransaction;
  sendStateless(message: SipMessage, target: Target): Promise<void>;
  /** RFC 3263 §4: a target at once when the URI needs no DNS (an IP literal), else a promise. */
  resolve(uri: Uri): Target | Promise<Target>;
  sentBy(protocol: TransportProtocol, ipv6?: boolean): { transport: string; host: string; port: number };
  isLocalUri(uri: Uri): boolean;
}

/** One place to forward a request to (RFC 3261 §16.5 target set). */
export interface ForwardTarget {
  /** The Request-URI of the forwarded copy. */
  uri: Uri;
  /** Where to send it instead of resolving Route/Request-URI (an outbound proxy, a known contact). */
  nextHop?: Uri | Target;
  /** Preference: higher q is tried first; equal q forked in parallel (RFC 3261 §16.6). */
  q?: number;
  /** Headers to add to this branch's copy (e.g. Path-derived Route). */
  routes?: string[];
  /**
   * Edits to this branch's copy just before it is sent, after the proxy's own (§16.6 steps 1–8):
   * Diversion, P-Asserted-Identity, a trunk's number and caller-ID rewriting.
   */
  prepare?: (copy: SipRequest) => void;
  /**
   * Edits to this branch's responses (not 100) before they go upstream: a NAT helper marks a
   * NATed phone's Contact and SDP with where its answer really came from.
   */
  prepareResponse?: (response: SipResponse) => void;
  /**
   * INVITE only, ms: a branch with no final response by then is CANCELled and counts as a 408
   * (a ring timeout; Kamailio's fr_inv_timer). Without it only Timer C bounds the branch.
   */
  noAnswerTimeout?: number;
  /**
   * ms: a branch that got no response at all by then (not even 100) is given up as a 408 and its
   * retransmissions stop (Kamailio's fr_timer): a gateway that never answers fails over in
   * seconds instead of after Timer B's 32.
   */
  noReplyTimeout?: number;
}

export interface ProxyOptions {
  /** Add Record-Route to dialog-creating requests so in-dialog requests come through us. */
  recordRoute: boolean;
  /** RFC 5626 §5.2: the flow token for the Record-Route facing the client, when it gets one. */
  flowToken?: FlowTokenSource;
  /** RFC 3261 §16.6 step 11: Timer C, > 3 minutes by default. */
  timerC: number;
  /** T1, for the CANCEL give-up timer (64·T1). */
  t1: number;
  /** Time for Timer C and the branch timers; real time (timers not holding the process) by default. */
  clock?: Clock;
}

/** New targets for a request whose branches all failed, or undefined to let the best response go. */
export type Retarget = ForwardTarget[] | undefined;

export interface ProxyEvents<State = unknown> {
  /** A final response was sent upstream for a forwarded request. */
  onFinal?(request: SipRequest, response: SipResponse): void;
  /**
   * Every branch failed and no serial-forking group is left (RFC 3261 §16.7 step 6): `best` is the
   * response about to go upstream (before a 503 becomes 500). Returning targets starts new
   * branches in the same response context instead; `state` is what `forward` was given.
   */
  onAllBranchesFailed?(
    request: SipRequest,
    best: SipResponse,
    state: State | undefined,
  ): Retarget | Promise<Retarget>;
}
