import { createResponse, type SipRequest, type SipResponse, type Via } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TransactionContext } from './context.js';
import { ServerTransactionBase } from './server-transaction-base.js';

/** RFC 3261 §8.2.6.1: a 100 Trying copies the request's Timestamp. */
function trying(request: SipRequest): SipResponse {
  const response = createResponse(request, 100);
  const timestamp = request.get('timestamp');
  if (timestamp !== undefined) response.append('Timestamp', timestamp);
  return response;
}

/**
 * INVITE server transaction: RFC 3261 §17.2.1 with RFC 6026 §7.1 (2xx → Accepted, Timer L).
 * Proceeding → Completed (3xx-6xx: Timer G, H) → Confirmed (ACK: Timer I) → Terminated;
 * Proceeding → Accepted (2xx: Timer L) → Terminated.
 * In Accepted it keeps only its key, where responses go and its TU's listeners: a proxied call's
 * transaction waits out Timer L (32 s) there, marked by every major GC meanwhile.
 */
export class InviteServerTransaction extends ServerTransactionBase {
  readonly isInvite = true;
  private interval = 0;

  constructor(id: string, ctx: TransactionContext, request: SipRequest, via: Via, source: Target) {
    super(id, ctx, request, via, source, 'proceeding');
  }

  /** §17.2.1: 100 Trying for `request` (this one's) at once, unless the TU answers within 200 ms. */
  start(request: SipRequest, sendTrying: boolean): void {
    if (sendTrying) this.respond(trying(request));
  }

  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.state === 'accepted') {
      // RFC 6026 §7.1: 2xx retransmissions from the TU pass through while Accepted, unkept.
      if (status < 200 || status >= 300) return false;
      this.transmit(response, this.responseTarget);
      return true;
    }
    if (this.state !== 'proceeding') return false;
    this.sendResponse(response);
    if (status < 200) return true;
    const t = this.ctx.timers;
    if (status < 300) {
      // RFC 6026 §7.1: Timer L = 64·T1 keeps the transaction to catch INVITE retransmissions. It
      // never resends the 2xx (the TU does) nor reads the INVITE again: let both go.
      this.state = 'accepted';
      this.request = undefined;
      this.lastResponse = undefined;
      this.waitOut(64 * t.t1);
      return true;
    }
    this.state = 'completed';
    // §17.2.1: Timer G retransmits the final response over unreliable transports only.
    if (!this.reliable) {
      this.interval = t.t1;
      this.startRetransmitTimer(t.t1);
    }
    // §17.2.1: Timer H = 64·T1 bounds the wait for the ACK.
    this.startLifetimeTimer(64 * t.t1);
    return true;
  }

  receiveRetransmission(): void {
    // §17.2.1: resend the last provisional in Proceeding, the final in Completed; RFC 6026 §7.1:
    // absorbed in Accepted (the TU core retransmits 2xx itself); absorbed in Confirmed.
    if (this.state === 'proceeding' || this.state === 'completed') this.resendLastResponse();
  }

  /** An ACK matching this transaction. Returns true when absorbed, false when it is for the TU. */
  receiveAck(): boolean {
    switch (this.state) {
      case 'completed':
        // §17.2.1: Confirmed; Timer I = T4 (UDP) absorbs ACK retransmissions, 0 over reliable.
        this.state = 'confirmed';
        this.stopRetransmitTimer();
        this.stopLifetimeTimer();
        this.waitOut(this.reliable ? 0 : this.ctx.timers.t4);
        return true;
      case 'confirmed':
        return true;
      default:
        // RFC 6026 §7.1: an ACK in Accepted is passed to the TU.
        return false;
    }
  }

  protected override onRetransmitTimer(): void {
    if (this.state !== 'completed') return;
    // §17.2.1: Timer G doubles up to T2.
    this.resendLastResponse();
    this.interval = Math.min(2 * this.interval, this.ctx.timers.t2);
    this.startRetransmitTimer(this.interval);
  }

  protected override onLifetimeTimer(): void {
    // §17.2.1: Timer H without ACK is a failure (Timers I and L are waited out in the layer's queue).
    if (this.state === 'completed') this.terminate('timeout');
  }
}
