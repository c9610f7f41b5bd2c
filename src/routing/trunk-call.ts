import type { Gateway, Trunk } from '../store/index.js';
import type { LcrEntry } from '../trunks/index.js';

/** One gateway tried for a call: its answer, once it came, and whether it still counts as active. */
export interface TrunkAttempt {
  readonly trunk: Trunk;
  readonly gateway: Gateway;
  /** The gateway's final status; undefined while none came (no reply, ring timeout). */
  status: number | undefined;
  /** Still counted in the gateway's INVITEs in progress (fewest-calls). */
  active: boolean;
}

/**
 * An outbound call through trunks, kept in the routing context for failover: the routes LCR
 * chose, and the gateways of the route being tried, in the dispatcher's order.
 */
export class TrunkCall {
  /** The route being tried (-1 before the first). */
  routeIndex = -1;
  /** The gateways of that route's trunk, in the order to try them. */
  gateways: Gateway[] = [];
  gatewayIndex = 0;
  trunk: Trunk | undefined = undefined;
  attempt: TrunkAttempt | undefined = undefined;

  constructor(
    /** The dialled digits (no '+'), before the trunk's manipulation. */
    readonly digits: string,
    readonly callId: string,
    readonly routes: readonly LcrEntry[],
  ) {}
}
