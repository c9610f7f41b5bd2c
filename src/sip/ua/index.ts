export type { ByeAnswerHold } from './bye-answer-hold.js';
export { CountingTimers } from './counting-timers.js';
export { type EventMap, TypedEmitter } from './emitter.js';
export { IncomingRequest } from './incoming-request.js';
export { type InviteClientEvents, InviteClientSession } from './invite-client-session.js';
export {
  type InviteServerEvents,
  InviteServerSession,
  type InviteServerSessionOptions,
} from './invite-server-session.js';
export { InviteSession } from './invite-session.js';
export { acceptedBodyTypes } from './request-checks.js';
export { createCancel, createOutOfDialogRequest, type OutOfDialogRequestOptions } from './request-factory.js';
export { Retransmit2xx, type Retransmit2xxOptions } from './retransmit-2xx.js';
export {
  isReliable,
  parseRAck,
  parseRSeq,
  type RAck,
  RELIABLE_PROVISIONALS,
  requiresTag,
  supportsTag,
} from './rseq.js';
export type { SessionHost } from './session-host.js';
export { retryForMinSe } from './session-interval-retry.js';
export type {
  InviteSessionEvents,
  ProgressOptions,
  RequestOptions,
  ResponseOptions,
  SessionEndCause,
  SessionState,
} from './session-types.js';
export {
  type DialogUsage,
  type ErrorSink,
  type RequestHandler,
  type ResponseCallbacks,
  type SendOptions,
  systemTimers,
  type UaTimers,
  type UaTransport,
  type UserAgentOptions,
  type ViaAddress,
} from './types.js';
export { type InviteOptions, UserAgentCore } from './user-agent-core.js';
export { addVia, fitTopVia, newBranch } from './via.js';
