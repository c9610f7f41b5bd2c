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

/** Where a send reports a transport failure (RFC 3261 §17.1.4, §17.2.4): the transaction. */
export interface SendOutcome {
  sendFailed(error: unknown): void;
}

/**
 * Sends one message to a target; reports a transport failure to `outcome` and success to
 * `onSent`, never before it returns. Callbacks, not a promise: transactions send several messages
 * per call, and a promise each (with its reaction) is garbage the collector must handle.
 */
export type SendMessage = (
  message: SipMessage,
  target: Target,
  outcome: SendOutcome,
  onSent?: () => void,
) => void;

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
  /**
   * The request, until an INVITE's transaction is Accepted: from then on it only absorbs INVITE
   * retransmissions and passes 2xx retransmissions (RFC 6026 §7.1), so it lets the request go
   * (undefined); a TU that needs the INVITE after its 2xx keeps its own reference.
   */
  readonly request: SipRequest | undefined;
  readonly isInvite: boolean;
  /** Where the request came from (address/port as seen by the socket, and its connection). */
  readonly source: Target;
  readonly state: ServerTransactionState;
  /** The last response sent (resent on request retransmissions); undefined in Accepted, as request. */
  readonly lastResponse: SipResponse | undefined;
  /**
   * Send a response through the transaction. 1xx keeps it proceeding; a 2xx to INVITE moves it to
   * Accepted (RFC 6026 §7.1) where 2xx retransmissions from the TU pass through; others complete it.
   * Ignored (nothing sent, returns false) when the state does not allow it: after a final response,
   * except 2xx while Accepted, and once terminated. The layer's transactions always return whether
   * the response was sent.
   */
  respond(response: SipResponse): boolean;
  /**
   * Called once when the transaction terminates (timer, transport error or normal end), with the
   * transaction: one listener can serve every transaction, not a closure each.
   */
  onTerminated(listener: (reason: TerminationReason, transaction: ServerTransaction) => void): void;
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
  /**
   * The request, until the final response: from then on the transaction never sends it again (it
   * ACKs a non-2xx from its own ACK, the TU ACKs 2xx; RFC 3261 §17.1, RFC 6026 §8.4), so it lets
   * the request go (undefined) while it waits out Timer D, K or M.
   */
  readonly request: SipRequest | undefined;
  readonly isInvite: boolean;
  readonly target: Target;
  readonly state: ClientTransactionState;
  /** Highest provisional/final status seen (0 before any response). */
  readonly lastStatus: number;
  onTerminated(listener: (reason: TerminationReason) => void): void;
  /**
   * End now, as a timeout, without calling the TU's handlers: no more retransmissions, and later
   * responses are strays (a proxy that gives up a silent branch early, Kamailio's fr_timer).
   */
  abandon(): void;
}

export type TerminationReason = 'normal' | 'timeout' | 'transport-error' | 'shutdown';

/** What the transaction layer hands to the transaction user (the proxy, registrar, UA core...). */
export interface TransactionLayerHandlers {
  /** A new request (not ACK, not a retransmission) and the server transaction created for it. */
  onRequest(request: SipRequest, transaction: ServerTransaction): void;
  /**
   * ACKs no server transaction absorbs: ACKs for 2xx (their own transaction, RFC 3261 §17.1.1.1),
   * ACKs matching an INVITE server transaction in Accepted (RFC 6026 §7.1), unmatched ACKs.
   */
  onAck?(ack: SipRequest, source: Target): void;
  /**
   * A new CANCEL with its own non-INVITE server transaction, and the INVITE server transaction it
   * cancels (RFC 3261 §9.2) or undefined (the TU answers 481). Without this handler CANCEL goes to
   * onRequest like any other request.
   */
  onCancel?(
    cancel: SipRequest,
    cancelTransaction: ServerTransaction,
    invite: ServerTransaction | undefined,
  ): void;
  /**
   * Offered each new request (not ACK, CANCEL or a retransmission) before its server transaction
   * is made; false means the TU answered it statelessly (503 under overload) and none is made.
   */
  admit?(request: SipRequest, source: Target): boolean;
  /** A response matching no client transaction (RFC 3261 §17.1.3): a stateful proxy forwards 2xx. */
  onStrayResponse?(response: SipResponse, source: Target): void;
  /** A TU callback threw; the layer carries on (default: console.error). */
  onError?(error: unknown): void;
}

export interface TransactionLayerOptions {
  send: SendMessage;
  clock?: Clock;
  timers?: Partial<TimerSettings>;
  /** Send 100 Trying as soon as an INVITE server transaction starts (RFC 3261 §17.2.1). Default true. */
  sendTrying?: boolean;
  handlers: TransactionLayerHandlers;
}

export interface TransactionCounts {
  invite: number;
  nonInvite: number;
}

export interface TransactionStats {
  client: TransactionCounts;
  server: TransactionCounts;
  /** Non-INVITE server transactions completed over UDP, answering retransmissions until Timer J. */
  completedServers: number;
  /** Messages dropped because the fields matching needs were missing or malformed. */
  dropped: number;
}
