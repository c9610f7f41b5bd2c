export {
  canSend,
  type DatagramSocket,
  type ReceiverKind,
  type SendingDatagramSocket,
  type SourceKey,
} from './datagram-socket.js';
export { DGRAM_CANNOT_MARK, tosOf } from './dscp.js';
export {
  LegReceiver,
  type LegReceiverCounters,
  type LegReceiverOptions,
  type MediaTimeoutEvent,
} from './leg-receiver.js';
export {
  type RtpPortAllocation,
  RtpPortRange,
  RtpPortRangeExhaustedError,
  type RtpPortRangeOptions,
} from './port-range.js';
export { BatchReceiverUnavailableError, datagramBinder } from './receiver-kind.js';
export type { RecordedPacket } from './recorded-packet.js';
export { defaultTicker, SharedTicker, type Tickable } from './ticker.js';
