import type { SipRequest, SipResponse, Via } from '../message/index.js';
import type { Target } from '../transport/types.js';
import type { TransactionContext } from './context.js';
import { viaResponseTarget } from './response-target.js';
import { TransactionBase } from './transaction-base.js';
import type { ServerTransaction, ServerTransactionState } from './types.js';

/** The TU-facing side shared by the INVITE and non-INVITE server transactions (RFC 3261 §17.2). */
export abstract class ServerTransactionBase
  extends TransactionBase<ServerTransactionState>
  implements ServerTransaction
{
  readonly isClient = false;
  request: SipRequest | undefined;
  lastResponse: SipResponse | undefined;
  /** Where every response of this transaction goes (§18.2.2), computed once. */
  readonly responseTarget: Target;

  constructor(
    id: string,
    ctx: TransactionContext,
    request: SipRequest,
    via: Via,
    readonly source: Target,
    initial: ServerTransactionState,
  ) {
    super(id, ctx, source.protocol !== 'udp', initial);
    this.request = request;
    this.responseTarget = viaResponseTarget(via, source);
  }

  abstract respond(response: SipResponse): boolean;

  /** The request arrived again (same key): resend or absorb by state. */
  abstract receiveRetransmission(): void;

  protected sendResponse(response: SipResponse, onSent?: () => void): void {
    this.lastResponse = response;
    this.transmit(response, this.responseTarget, onSent);
    // A final response leaves the transaction waiting out its timers: keep text, not parsed values.
    if (response.status >= 200) {
      this.request?.compact();
      response.compact();
    }
  }

  protected resendLastResponse(): void {
    if (this.lastResponse !== undefined) this.transmit(this.lastResponse, this.responseTarget);
  }

  /** RFC 3261 §17.2.4: the TU learns of it through onTerminated('transport-error'). */
  protected onTransportError(): void {
    this.terminate('transport-error');
  }
}
