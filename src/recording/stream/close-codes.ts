/**
 * WebSocket close codes the consumer uses (RFC 6455 §7.4.1; 4000-4999 are private use, §7.4.2),
 * and which of them the producer must not retry after.
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** A malformed or inconsistent frame, a sequence gap, a message before OPEN. */
  PROTOCOL_ERROR: 1002,
  /** A text message where binary frames were expected. */
  UNSUPPORTED_DATA: 1003,
  /** A frame for another recording than the connection's. */
  POLICY_VIOLATION: 1008,
  /** A frame larger than the consumer's limit, header included. */
  MESSAGE_TOO_BIG: 1009,
  /** The consumer's sink failed. */
  INTERNAL_ERROR: 1011,
  /** Another connection resumed this recording. */
  REPLACED: 4000,
  /** The recording id is already streaming from another producer, or the consumer lost its state. */
  CONFLICT: 4409,
  /** The recording was already closed by the consumer. */
  GONE: 4410,
} as const;

/** Codes that mean "the same bytes will be refused again": the producer gives up instead of retrying. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.PROTOCOL_ERROR,
  CloseCode.UNSUPPORTED_DATA,
  CloseCode.MESSAGE_TOO_BIG,
  CloseCode.CONFLICT,
  CloseCode.GONE,
  CloseCode.POLICY_VIOLATION,
]);
