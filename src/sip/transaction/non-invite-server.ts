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
    if (response.status < 200) {
      this.sendResponse(response);
      this.state = 'proceeding';
      return true;
    }
    // §17.2.2: Completed; Timer J is 0 over reliable transports. Over UDP the layer answers
    // retransmissions for Timer J = 64·T1 from the response's bytes once they are on the wire,
    // and this transaction ends (a failed send ends it with transport-error instead).
    this.state = 'completed';
    if (this.reliable) {
      this.sendResponse(response);
      this.waitOut(0);
    } else {
      this.sendResponse(response, () => this.handOver(response));
    }
    return true;
  }

  receiveRetransmission(): void {
    // §17.2.2: absorbed in Trying; the last response is resent in Proceeding and Completed.
    if (this.state === 'proceeding' || this.state === 'completed') this.resendLastResponse();
  }

  private handOver(response: SipResponse): void {
    if (this.terminated) return;
    this.ctx.absorbRetransmissions(this.id, response, this.responseTarget);
    this.terminate('normal');
  }
}
