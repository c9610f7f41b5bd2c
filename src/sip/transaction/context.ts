import type { SipResponse } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TimerQueues } from './timer-queues.js';
import type { Clock, SendMessage, TimerSettings } from './types.js';

/** What a transaction needs from the layer that owns it; one shared object per layer. */
export interface TransactionContext {
  readonly send: SendMessage;
  readonly clock: Clock;
  readonly timers: TimerSettings;
  /** The transaction terminated: forget it (called once, before termination listeners run). */
  released(transaction: {
    readonly id: string;
    readonly isClient: boolean;
    readonly isInvite: boolean;
  }): void;
  /** The transactions' timers: queues shared by every transaction, one per kind and duration. */
  readonly queues: TimerQueues;
  /**
   * A non-INVITE server transaction completed over UDP: answer retransmissions of its request with
   * `response` at `target` until Timer J (RFC 3261 §17.2.2), from a record kept in place of it.
   */
  absorbRetransmissions(id: string, response: SipResponse, target: Target): void;
  /** A TU callback threw: report it without disturbing the transaction. */
  handlerError(error: unknown): void;
}
