import type { SipRequest, SipResponse } from '../message/index.js';
import type { Target } from '../transport/types.js';
import { ClientTransactionBase } from './client-transaction-base.js';
import type { TransactionContext } from './context.js';
import { createAck } from './hop-requests.js';
import type { ClientTransactionHandlers } from './types.js';

/**
 * INVITE client transaction: RFC 3261 §17.1.1 with RFC 6026 §8.4 (2xx → Accepted, Timer M).
 * Calling (Timer A, B) → Proceeding → Completed (3xx-6xx: ACK, Timer D) → Terminated;
 * Calling/Proceeding → Accepted (2xx: Timer M) → Terminated.
 */
export class InviteClientTransaction extends ClientTransactionBase {
  readonly isInvite = true;
  private ack: SipRequest | undefined;

  constructor(
    id: string,
    ctx: TransactionContext,
    request: SipRequest,
    target: Target,
    handlers: ClientTransactionHandlers,
  ) {
    super(id, ctx, request, target, handlers, 'calling');
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        break;
      case 'completed':
        // §17.1.1.2: a retransmitted final is answered with the same ACK and not passed up.
        if (status >= 300) this.transmit(this.ack!, this.target);
        // A 2xx here (a late fork) still goes to the TU so it can ACK and BYE it.
        else if (status >= 200) this.deliver(response);
        return;
      case 'accepted':
        // RFC 6026 §8.4: 2xx retransmissions and forked 2xx go to the TU, not absorbed.
        if (status >= 200 && status < 300) this.deliver(response);
        return;
      default:
        return;
    }
    if (status < 200) {
      // §17.1.1.2: no retransmissions in Proceeding and Timer B only applies to Calling; the TU
      // bounds the wait from here (Timer C in a proxy, §16.6 step 11).
      this.state = 'proceeding';
      this.stopRetransmitTimer();
      this.stopLifetimeTimer();
      this.deliver(response);
      return;
    }
    this.stopRetransmitTimer();
    this.stopLifetimeTimer();
    const t = this.ctx.timers;
    if (status < 300) {
      // RFC 6026 §8.4: Accepted; Timer M = 64·T1 lets 2xx retransmissions reach the TU. Nothing
      // is sent from here on (the TU ACKs 2xx itself): let the request go.
      this.state = 'accepted';
      this.waitOut(64 * t.t1);
      this.deliver(response);
      this.request = undefined;
      return;
    }
    // §17.1.1.3: the transaction itself ACKs a 3xx-6xx, to the INVITE's target.
    this.state = 'completed';
    this.ack = createAck(this.request!, response);
    this.request = undefined; // Completed resends the ACK, never the request
    this.transmit(this.ack, this.target);
    // §17.1.1.2: Timer D > 32 s over UDP (as long as the server's Timer H may retransmit), 0 otherwise.
    const timerD = this.reliable ? 0 : Math.max(32_000, 64 * t.t1);
    if (timerD > 0) this.waitOut(timerD);
    this.deliver(response);
    if (timerD === 0) this.waitOut(0);
  }

  protected override onRetransmitTimer(): void {
    if (this.state !== 'calling') return;
    // §17.1.1.2: Timer A doubles each time (no T2 cap for INVITE); Calling still has the request.
    this.transmit(this.request!, this.target);
    this.interval *= 2;
    this.startRetransmitTimer(this.interval);
  }

  protected override onLifetimeTimer(): void {
    // Timer B in Calling is a timeout (Timers D and M are waited out in the layer's queue).
    if (this.state === 'calling') this.timedOut();
  }
}
