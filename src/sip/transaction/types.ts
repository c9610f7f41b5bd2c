import type { SipMessage, SipRequest, SipResponse } from '../message/index.js';
import type { Target } from '../transport/types.js';

/** Time source and timers, replaceable by a controllable clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = unknown;

/** RFC 3261 §17.1.1.1 and Table 4: T1 (RTT estimate), T2 (max retransmit interval), T4 (max lifetime). */
export interface TimerSettings {
  t1: number;
  t2: number;
  t4: number;
}

export const defaultTimers: TimerSettings = { t1: 500, t2: 4000, t4: 5000 };

/** Sends one message to a target; rejects when the transport fails (RFC 3261 §17.1.4, §17.2.4). */
export type SendMessage = (message: SipMessage, target: Target) => Promise<void>;

export type ServerTransactionState =
  | 'trying'
  | 'proceeding'
  | 'completed'
  | 'confirmed'
  | 'accepted'
  | 'terminated';

export type ClientTransactionState =
  | 'calling'
  | 'trying'
  | 'proceeding'
  | 'completed'
  | 'accepted'
  | 'terminated';

export interface ServerTransaction {
  readonly id: string;
  readonly request: SipRequest;
  readonly isInvite: boolean;
  /** Where the request came from (address/port as seen by the socket, and its connection). */
  readonly source: Target;
  readonly state: ServerTransactionState;
  /** The last response sent (resent on request retransmissions). */
  readonly lastResponse: SipResponse | undefined;
  /**
   * Send a response through the transaction. 1xx keeps it proceeding; a 2xx to INVITE moves it to
   * Accepted (RFC 6026 §7.1) where 2xx retransmissions from the TU pass through; others complete it.
   */
  respond(response: SipResponse): void;
  /** Called once when the transaction terminates (timer, transport error or normal end). */
  onTerminated(listener: (reason: TerminationReason) => void): void;
}

export interface ClientTransactionHandlers {
  /** Every response the TU should see: provisionals, the first final, and for INVITE later 2xx. */
  onResponse(response: SipResponse, transaction: ClientTransaction): void;
  /** Timer B/F fired without a final response (the TU treats it as 408). */
  onTimeout?(transaction: ClientTransaction): void;
  /** The transport failed to send the request (the TU treats it as 503, RFC 3261 §8.1.3.1). */
  onTransportError?(error: Error, transaction: ClientTransaction): void;
}

export interface ClientTransaction {
  readonly id: string;
  readonly request: SipRequest;
  readonly isInvite: boolean;
  readonly target: Target;
  readonly state: ClientTransactionState;
  /** Highest provisional/final status seen (0 before any response). */
  readonly lastStatus: number;
  onTerminated(listener: (reason: TerminationReason) => void): void;
}

export type TerminationReason = 'normal' | 'timeout' | 'transport-error' | 'shutdown';
