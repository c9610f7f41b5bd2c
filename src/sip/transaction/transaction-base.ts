import type { SipMessage } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TransactionContext } from './context.js';
import type { Ticket, TimerQueue } from './timer-queue.js';
import type { Timed } from './timer-queues.js';
import type { TerminationReason } from './types.js';

/** Given the transaction too, so that one listener can serve many (the proxy core's). */
type TerminationListener<T> = (reason: TerminationReason, transaction: T) => void;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What every transaction has: a state, at most one retransmission timer (A, E, G) and one lifetime
 * timer (B, F, H) at a time, a fixed wait before it ends (D, I, K, L, M), all as entries in queues
 * the layer shares among transactions timed alike (TimerQueues), sends whose failure terminates it
 * (RFC 3261 §17.1.4, §17.2.4), and termination listeners.
 */
export abstract class TransactionBase<State extends string> implements Timed {
  abstract readonly isClient: boolean;
  abstract readonly isInvite: boolean;
  state: State;
  /** When the fixed wait of waitOut() ends (0: not waiting one). */
  expiresAt = 0;
  private reason: TerminationReason | undefined;
  private listeners: TerminationListener<this>[] | undefined;
  /** The queue holding the running Timer A, E or G, and its ticket there. */
  private retransmitQueue: TimerQueue<Timed> | undefined;
  private retransmitTicket: Ticket = 0;
  /** The queue holding the running Timer B, F or H, and its ticket there. */
  private lifetimeQueue: TimerQueue<Timed> | undefined;
  private lifetimeTicket: Ticket = 0;

  constructor(
    readonly id: string,
    protected readonly ctx: TransactionContext,
    /** Over TCP/TLS/WS nothing is retransmitted and absorbing timers are zero (RFC 3261 §17). */
    readonly reliable: boolean,
    initial: State,
  ) {
    this.state = initial;
  }

  get terminated(): boolean {
    return this.reason !== undefined;
  }

  onTerminated(listener: TerminationListener<this>): void {
    if (this.reason !== undefined) listener(this.reason, this);
    else (this.listeners ??= []).push(listener);
  }

  /** End now with 'shutdown' (the layer is closing). */
  shutdown(): void {
    this.terminate('shutdown');
  }

  /** The fixed wait of waitOut() is over: end normally (unless something ended it before). */
  expire(): void {
    this.terminate('normal');
  }

  /** Send; a failure ends the transaction (§17.1.4, §17.2.4). `onSent` runs once it is on the wire. */
  protected transmit(message: SipMessage, target: Target, onSent?: () => void): void {
    this.ctx.send(message, target, this, onSent);
  }

  /** A send failed (called by the layer). A late failure after the transaction ended changes nothing. */
  sendFailed(error: unknown): void {
    if (this.reason === undefined) this.onTransportError(asError(error));
  }

  protected startRetransmitTimer(ms: number): void {
    this.stopRetransmitTimer();
    const queue = this.ctx.queues.retransmissions.get(ms);
    this.retransmitQueue = queue;
    this.retransmitTicket = queue.add(this, this.ctx.clock.now() + ms);
  }

  protected stopRetransmitTimer(): void {
    if (this.retransmitQueue === undefined) return;
    this.retransmitQueue.cancel(this.retransmitTicket);
    this.retransmitQueue = undefined;
  }

  /** Timer A, E or G fired (called by its queue). */
  retransmitDue(): void {
    this.retransmitQueue = undefined;
    this.onRetransmitTimer();
  }

  protected startLifetimeTimer(ms: number): void {
    this.stopLifetimeTimer();
    const queue = this.ctx.queues.lifetimes.get(ms);
    this.lifetimeQueue = queue;
    this.lifetimeTicket = queue.add(this, this.ctx.clock.now() + ms);
  }

  protected stopLifetimeTimer(): void {
    if (this.lifetimeQueue === undefined) return;
    this.lifetimeQueue.cancel(this.lifetimeTicket);
    this.lifetimeQueue = undefined;
  }

  /** Timer B, F or H fired (called by its queue). */
  lifetimeDue(): void {
    this.lifetimeQueue = undefined;
    this.onLifetimeTimer();
  }

  /**
   * Stay to absorb retransmissions for ms (Timer D, I, K, L, M), or end at once when ms is 0.
   * Every transaction waiting the same time shares one queue and its one timer.
   */
  protected waitOut(ms: number): void {
    if (this.reason !== undefined) return;
    if (ms <= 0) {
      this.terminate('normal');
      return;
    }
    this.expiresAt = this.ctx.clock.now() + ms;
    this.ctx.queues.waitOut(this, ms);
  }

  protected terminate(reason: TerminationReason): void {
    if (this.reason !== undefined) return;
    this.stopRetransmitTimer();
    this.stopLifetimeTimer();
    this.reason = reason;
    this.state = 'terminated' as State;
    this.ctx.released(this);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) {
      try {
        listener(reason, this);
      } catch (error) {
        this.ctx.handlerError(error);
      }
    }
  }

  protected onRetransmitTimer(): void {}

  protected onLifetimeTimer(): void {}

  protected abstract onTransportError(error: Error): void;
}
