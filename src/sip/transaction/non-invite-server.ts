import type { SipRequest, SipResponse, Via } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TransactionContext } from './context.js';
import { ServerTransactionBase } from './server-transaction-base.js';

/** Non-INVITE server transaction, RFC 3261 §17.2.2: Trying → Proceeding → Completed (Timer J). */
export class NonInviteServerTransaction extends ServerTransactionBase {
  readonly isInvite = false;

  constructor(id: string, ctx: TransactionContext, request: SipRequest, via: Via, source: Target) {
    super(id, ctx, request, via, source, 'trying');
  }

  respond(response: SipResponse): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') return false;
    this.sendResponse(response);
    if (response.status < 200) {
      this.state = 'proceeding';
      return true;
    }
    // §17.2.2: Completed; Timer J = 64·T1 over UDP answers retransmissions, 0 over reliable.
    this.state = 'completed';
    this.linger(this.reliable ? 0 : 64 * this.ctx.timers.t1);
    return true;
  }

  receiveRetransmission(): void {
    // §17.2.2: absorbed in Trying; the last response is resent in Proceeding and Completed.
    if (this.state === 'proceeding' || this.state === 'completed') this.resendLastResponse();
  }

  protected override onLifetimeTimer(): void {
    this.terminate('normal');
  }
}
