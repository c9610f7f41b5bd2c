import type { AddressOfRecord } from '../registrar/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { NextHop } from './static-routes.js';

/** What the stages learn about one request as it goes through them (one object per request). */
export class RoutingContext {
  /** RFC 3261 §16.4: the request carried a Route value of ours (it follows our Record-Route). */
  routedHere = false;
  /** The served domain whose user the request is for (set by the local stage). */
  domain: string | undefined = undefined;
  /** The subscriber who proved to be the caller (set by the authenticate stage). */
  caller: AddressOfRecord | undefined = undefined;
  /** The static next hop, once a stage asked (StaticRoutes.nextHopOf): asked once per request. */
  hop: NextHop | undefined = undefined;
  /** A CANCEL arrived while an asynchronous stage was deciding (RFC 3261 §9.2). */
  cancelled = false;

  constructor(
    /** Where the request came from. */
    readonly source: Target,
    /** Its server transaction; undefined while a stateless node decides before one exists. */
    readonly transaction: ServerTransaction | undefined,
  ) {}
}
