export { ManualClock, systemClock } from './clock.js';
export { createAck, createCancel } from './hop-requests.js';
export { responseTarget, viaResponseTarget } from './response-target.js';
export { stampReceived } from './stamp-received.js';
export { TransactionLayer } from './transaction-layer.js';
export {
  type ClientTransaction,
  type ClientTransactionHandlers,
  type ClientTransactionState,
  type Clock,
  defaultTimers,
  type SendMessage,
  type SendOutcome,
  type ServerTransaction,
  type ServerTransactionState,
  type TerminationReason,
  type TimerHandle,
  type TimerSettings,
  type TransactionCounts,
  type TransactionLayerHandlers,
  type TransactionLayerOptions,
  type TransactionStats,
} from './types.js';
