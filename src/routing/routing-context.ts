import type { AddressOfRecord } from '../registrar/index.js';
import type { SipRequest, SipResponse } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { Trunk } from '../store/index.js';
import type { CalleeState } from './features/types.js';
import type { NatTraversal } from './stages/nat.js';
import type { NextHop } from './static-routes.js';
import type { TrunkCall } from './trunk-call.js';

/** What the stages learn about one request as it goes through them (one object per request). */
export class RoutingContext {
  /** RFC 3261 §16.4: the request carried a Route value of ours (it follows our Record-Route). */
  routedHere = false;
  /** The served domain whose user the request is for (set by the local stage). */
  domain: string | undefined = undefined;
  /**
   * The subscriber who proved to be the caller (set by the authenticate stage; preset by a B2BUA
   * placing a transfer's call on behalf of a party it holds, which the stage then trusts).
   */
  caller: AddressOfRecord | undefined = undefined;
  /** The subscriber the call is for, once callee lookup found them (a B2BUA transfer's referrer). */
  called: AddressOfRecord | undefined = undefined;
  /** The static next hop, once a stage asked (StaticRoutes.nextHopOf): asked once per request. */
  hop: NextHop | undefined = undefined;
  /** The Request-URI user as dialled, when number normalisation rewrote it to E.164. */
  dialled: string | undefined = undefined;
  /** Edits to every forwarded copy (the caller's privacy), applied after each target's own. */
  prepare: ((copy: SipRequest) => void) | undefined = undefined;
  /**
   * Shown each branch's responses (not 100) and the target it went to, failure stages' targets too:
   * a B2BUA's callee leg learns which connection its answer came over.
   */
  watchResponse: ((response: SipResponse, target: ForwardTarget) => void) | undefined = undefined;
  /** Whose phones ring now, with their features and the diversions so far (failure stages). */
  callee: CalleeState | undefined = undefined;
  /** The trunk the request came from (set by the inbound-trunk stage): no subscriber to prove. */
  trunk: Trunk | undefined = undefined;
  /** Dialled digits of a number no subscriber here has, dialled by a proven caller (callee lookup). */
  offNet: string | undefined = undefined;
  /** The outbound trunk call being dialled (LCR stage), for failover. */
  trunkCall: TrunkCall | undefined = undefined;
  /** NAT traversal, when the node does it (set by the nat stage for every request). */
  nat: NatTraversal | undefined = undefined;
  /**
   * RFC 5626 §5.3: the client's flow an in-dialog request goes over, named by the flow token in
   * the Route of ours it carried (its own WebSocket or TLS connection, its NAT binding).
   */
  flow: Target | undefined = undefined;
  /** A CANCEL arrived while an asynchronous stage was deciding (RFC 3261 §9.2). */
  cancelled = false;

  constructor(
    /** Where the request came from. */
    readonly source: Target,
    /** Its server transaction; undefined while a stateless node decides before one exists. */
    readonly transaction: ServerTransaction | undefined,
  ) {}
}
