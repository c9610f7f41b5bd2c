/**
 * Whether a gateway answers: what the OPTIONS prober learns (RFC 3261 §11; Kamailio dispatcher's
 * probing), and what the outbound routing asks before it sends a call to a gateway. Gateways
 * are named by their store id (`Gateway.id`). A gateway the prober does not watch (probing off,
 * or no prober on the node) is up. The answer must be synchronous and cheap: it is asked for
 * every gateway of every routed call.
 */
export interface GatewayHealth {
  isUp(gatewayId: string): boolean;
}

/** No prober: every gateway is taken to be up (failover still skips one that fails a call). */
export const ALWAYS_UP: GatewayHealth = Object.freeze({ isUp: () => true });
