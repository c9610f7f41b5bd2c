import type { SipRequest, SipResponse } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TransactionContext } from './context.js';
import { TransactionBase } from './transaction-base.js';
import type { ClientTransaction, ClientTransactionHandlers, ClientTransactionState } from './types.js';

const NO_HANDLERS: ClientTransactionHandlers = { onResponse: () => {} };

/** The TU-facing side shared by the INVITE and non-INVITE client transactions (RFC 3261 §17.1). */
export abstract class ClientTransactionBase
  extends TransactionBase<ClientTransactionState>
  implements ClientTransaction
{
  readonly isClient = true;
  lastStatus = 0;
  /** The current retransmission interval (Timer A or E). */
  protected interval = 0;
  request: SipRequest | undefined;

  constructor(
    id: string,
    ctx: TransactionContext,
    request: SipRequest,
    readonly target: Target,
    private handlers: ClientTransactionHandlers,
    initial: ClientTransactionState,
  ) {
    // RFC 3261 §17.1.1.2: only UDP among our transports is unreliable.
    super(id, ctx, target.protocol !== 'udp', initial);
    this.request = request;
  }

  /**
   * Send the request and start the timers: Timer A/E (T1, then per the subclass) over unreliable
   * transports only, and Timer B/F = 64·T1 (RFC 3261 §17.1.1.2, §17.1.2.2).
   */
  start(): void {
    const t1 = this.ctx.timers.t1;
    this.transmit(this.request!, this.target);
    if (!this.reliable) {
      this.interval = t1;
      this.startRetransmitTimer(t1);
    }
    this.startLifetimeTimer(64 * t1);
  }

  /** A response whose branch and CSeq method match this transaction (§17.1.3). */
  abstract receiveResponse(response: SipResponse): void;

  protected deliver(response: SipResponse): void {
    if (response.status > this.lastStatus) this.lastStatus = response.status;
    try {
      this.handlers.onResponse(response, this);
    } catch (error) {
      this.ctx.handlerError(error);
    }
    // After a final response the request only waits out timers: keep its text, not parsed values.
    if (response.status >= 200) {
      this.request?.compact();
      response.compact();
    }
  }

  /** Nothing more goes to the TU: let go of its handlers and what they hold. */
  protected forgetHandlers(): void {
    this.handlers = NO_HANDLERS;
  }

  abandon(): void {
    this.terminate('timeout');
  }

  /** Timer B or F: the TU treats it as a 408 (RFC 3261 §8.1.3.1). */
  protected timedOut(): void {
    try {
      this.handlers.onTimeout?.(this);
    } catch (error) {
      this.ctx.handlerError(error);
    }
    this.terminate('timeout');
  }

  /** RFC 3261 §17.1.4: a transport failure is reported to the TU (as a 503) and ends the transaction. */
  protected onTransportError(error: Error): void {
    try {
      this.handlers.onTransportError?.(error, this);
    } catch (handlerError) {
      this.ctx.handlerError(handlerError);
    }
    this.terminate('transport-error');
  }
}
