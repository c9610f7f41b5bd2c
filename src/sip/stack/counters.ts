/** What the stack counts: every dropped or refused message has a counter (for /metrics). */
export interface StackCounters {
  requestsReceived: number;
  responsesReceived: number;
  /** Requests refused before reaching a transaction (400/416/505/513...). */
  requestsRefused: number;
  /** Messages that could not be parsed and got no response (responses, unreadable requests). */
  messagesDropped: number;
  /** Responses dropped by the sanity checks. */
  responsesDropped: number;
  /** Exceptions thrown by a role's handler, caught at the stack boundary. */
  handlerErrors: number;
  transportErrors: number;
  /** Packets the packet filter dropped before parsing (bans, floods, scanners). */
  packetsFiltered: number;
  /** New requests answered 503 because the node was saturated (RFC 3261 §21.5.4). */
  requestsOverloaded: number;
}

export function newCounters(): StackCounters {
  return {
    requestsReceived: 0,
    responsesReceived: 0,
    requestsRefused: 0,
    messagesDropped: 0,
    responsesDropped: 0,
    handlerErrors: 0,
    transportErrors: 0,
    packetsFiltered: 0,
    requestsOverloaded: 0,
  };
}
