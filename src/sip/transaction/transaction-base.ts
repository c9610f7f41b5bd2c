import type { SipMessage } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TransactionContext } from './context.js';
import type { TerminationReason, TimerHandle } from './types.js';

type TerminationListener = (reason: TerminationReason) => void;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What every transaction has: a state, at most one retransmission timer (A, E, G) and one lifetime
 * timer (B, F, H) at a time, a fixed wait before it ends (D, I, K, L, M) spent in a queue the layer
 * shares among transactions with the same wait, sends whose failure terminates it (RFC 3261
 * §17.1.4, §17.2.4), and termination listeners.
 */
export abstract class TransactionBase<State extends string> {
  abstract readonly isClient: boolean;
  abstract readonly isInvite: boolean;
  state: State;
  /** When the fixed wait of waitOut() ends (0: not waiting one). */
  expiresAt = 0;
  private reason: TerminationReason | undefined;
  private listeners: TerminationListener[] | undefined;
  private retransmitTimer: TimerHandle | undefined;
  private lifetimeTimer: TimerHandle | undefined;

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

  onTerminated(listener: TerminationListener): void {
    if (this.reason !== undefined) listener(this.reason);
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
    this.retransmitTimer = this.ctx.clock.setTimeout(() => {
      this.retransmitTimer = undefined;
      this.onRetransmitTimer();
    }, ms);
  }

  protected stopRetransmitTimer(): void {
    if (this.retransmitTimer === undefined) return;
    this.ctx.clock.clearTimeout(this.retransmitTimer);
    this.retransmitTimer = undefined;
  }

  protected startLifetimeTimer(ms: number): void {
    this.stopLifetimeTimer();
    this.lifetimeTimer = this.ctx.clock.setTimeout(() => {
      this.lifetimeTimer = undefined;
      this.onLifetimeTimer();
    }, ms);
  }

  protected stopLifetimeTimer(): void {
    if (this.lifetimeTimer === undefined) return;
    this.ctx.clock.clearTimeout(this.lifetimeTimer);
    this.lifetimeTimer = undefined;
  }

  /**
   * Stay to absorb retransmissions for ms (Timer D, I, K, L, M), or end at once when ms is 0.
   * Every transaction waiting the same time shares one queue and its one timer (ExpiryQueue).
   */
  protected waitOut(ms: number): void {
    if (this.reason !== undefined) return;
    if (ms <= 0) {
      this.terminate('normal');
      return;
    }
    this.expiresAt = this.ctx.clock.now() + ms;
    this.ctx.waitOut(this, ms);
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
        listener(reason);
      } catch (error) {
        this.ctx.handlerError(error);
      }
    }
  }

  protected onRetransmitTimer(): void {}

  protected onLifetimeTimer(): void {}

  protected abstract onTransportError(error: Error): void;
}
