import type { SipRequest, SipResponse } from '../message/index.js';
import type { Target } from '../transport/types.js';
import { ClientTransactionBase } from './client-transaction-base.js';
import type { TransactionContext } from './context.js';
import type { ClientTransactionHandlers } from './types.js';

/** Non-INVITE client transaction, RFC 3261 §17.1.2: Trying → Proceeding → Completed (Timer K). */
export class NonInviteClientTransaction extends ClientTransactionBase {
  readonly isInvite = false;

  constructor(
    id: string,
    ctx: TransactionContext,
    request: SipRequest,
    target: Target,
    handlers: ClientTransactionHandlers,
  ) {
    super(id, ctx, request, target, handlers, 'trying');
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed absorbs
    if (response.status < 200) {
      this.state = 'proceeding';
      this.deliver(response);
      return;
    }
    // §17.1.2.2: Completed; Timer K = T4 over UDP absorbs retransmitted finals, 0 over reliable.
    this.state = 'completed';
    this.stopRetransmitTimer();
    this.stopLifetimeTimer();
    const timerK = this.reliable ? 0 : this.ctx.timers.t4;
    if (timerK > 0) this.waitOut(timerK);
    this.deliver(response);
    // Completed only absorbs: the TU's handlers (and what they hold) and the request, resent no
    // more, need not wait out Timer K.
    this.forgetHandlers();
    this.request = undefined;
    if (timerK === 0) this.waitOut(0);
  }

  protected override onRetransmitTimer(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.transmit(this.request!, this.target);
    // §17.1.2.2: Timer E doubles up to T2 in Trying, and is T2 once Proceeding.
    const t2 = this.ctx.timers.t2;
    this.interval = this.state === 'proceeding' ? t2 : Math.min(2 * this.interval, t2);
    this.startRetransmitTimer(this.interval);
  }

  protected override onLifetimeTimer(): void {
    // Timer F before a final response is a timeout (Timer K is waited out in the layer's queue).
    if (this.state !== 'completed') this.timedOut();
  }
}
