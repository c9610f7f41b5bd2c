import type { InboundPacket } from '../transport/types.js';

/**
 * Looks at each packet before it is parsed (flood, scanner and ban checks of the platform's
 * edge); false drops it silently: no response, only a counter.
 */
export interface PacketFilter {
  admit(packet: InboundPacket): boolean;
}

/** What the stack holds when a new request arrives, for an overload decision. */
export interface StackLoad {
  /** Live server transactions (requests taken and not yet finished). */
  serverTransactions: number;
}

/**
 * Saturation as the platform measures it. RFC 3261 §21.5.4: a server that is overloaded answers
 * new requests 503 with Retry-After rather than queueing them without bound.
 */
export interface OverloadControl {
  /** Seconds for Retry-After when the node is saturated now; undefined to take the request. */
  retryAfter(load: StackLoad): number | undefined;
}
