import { Dialog, inboundFlow } from '../dialog/index.js';
import { randomToken, type SipRequest, type SipResponse, type Uri } from '../message/index.js';
import type { ServerTransaction } from '../transaction/types.js';
import type { IncomingRequest } from './incoming-request.js';
import { InviteSession } from './invite-session.js';
import { ReliableProvisionals } from './reliable-provisionals.js';
import { buildResponse } from './response-builder.js';
import { parseRAck, RELIABLE_PROVISIONALS, supportsTag } from './rseq.js';
import type { SessionHost } from './session-host.js';
import type { InviteSessionEvents, ProgressOptions, ResponseOptions } from './session-types.js';

export interface InviteServerEvents extends InviteSessionEvents {
  /** The caller cancelled (CANCEL answered 200, INVITE answered 487, RFC 3261 §9.2). */
  cancelled: [cancel: SipRequest];
}

export interface InviteServerSessionOptions {
  /** Our Contact for the dialog (§12.1.1). */
  contact: Uri;
  /** §12.1.1: the request came over TLS to a SIPS Request-URI. */
  secure: boolean;
}

/**
 * The UAS side of a call leg (RFC 3261 §13.3): answer an incoming INVITE with 1xx (early dialog,
 * To tag), 2xx (Contact, SDP, retransmitted until ACK) or a failure; CANCEL → 487; then the
 * in-dialog behaviour of InviteSession. Events: see InviteServerEvents.
 */
export class InviteServerSession extends InviteSession<InviteServerEvents> {
  /** Our To tag, the same on every response (one dialog per INVITE on the UAS side). */
  readonly localTag = randomToken(8);
  private finalSent = false;
  /** RFC 3262: our reliable provisionals, once the first was sent. */
  private reliable: ReliableProvisionals | undefined;
  /** Our 2xx waits for the PRACK of a provisional with SDP (RFC 3262 §3). */
  private successHeld = false;

  constructor(
    host: SessionHost,
    readonly invite: SipRequest,
    readonly transaction: ServerTransaction,
    private readonly options: InviteServerSessionOptions,
  ) {
    super(host);
  }

  /** The SDP offer in the INVITE, if any (else our 2xx carries the offer, §13.2.1). */
  get offer(): Buffer | undefined {
    return this.invite.body.length > 0 ? this.invite.body : undefined;
  }

  /** Whether a final response was sent to the INVITE. */
  get answered(): boolean {
    return this.finalSent;
  }

  /** Whether the caller takes reliable provisionals (Supported or Require: 100rel, RFC 3262 §3). */
  get reliableProvisionals(): boolean {
    return supportsTag(this.invite, RELIABLE_PROVISIONALS);
  }

  /** A reliable provisional of ours with SDP was PRACKed: the early offer/answer is complete. */
  get earlyAnswerAcknowledged(): boolean {
    return this.reliable?.sdpAcknowledged ?? false;
  }

  /**
   * Send a provisional; above 100 it carries our To tag and creates the early dialog (§13.3.1.1).
   * `reliable` (when the INVITE allows 100rel) sends it per RFC 3262: RSeq, retransmitted until its
   * PRACK, later reliable ones queued behind it.
   */
  progress(status = 180, options: ProgressOptions = {}): void {
    if (status < 100 || status > 199) throw new RangeError('progress() takes a 1xx status');
    if (this.finalSent || this.successHeld || this.state === 'terminated') return;
    const { reliable, ...rest } = options;
    const response = this.response(status, rest);
    if (status > 100) {
      this.ensureDialog(response);
      this.state = 'early';
    }
    if (reliable && status > 100 && this.reliableProvisionals) {
      this.reliable ??= new ReliableProvisionals({
        timers: this.host.timers,
        t1: this.host.t1,
        transaction: this.transaction,
        onGiveUp: () => this.prackTimedOut(),
      });
      this.reliable.send(response);
      return;
    }
    this.transaction.respond(response);
  }

  /**
   * Answer 2xx (§13.3.1.4): Contact, the body (SDP answer or offer), retransmitted until ACK.
   * While a reliable provisional with SDP awaits its PRACK, the 2xx waits for it (RFC 3262 §3).
   */
  accept(options: ResponseOptions = {}, status = 200): void {
    if (status < 200 || status > 299) throw new RangeError('accept() takes a 2xx status');
    if (this.finalSent || this.successHeld || this.state === 'terminated') return;
    if (this.reliable) {
      this.successHeld = true;
      this.reliable.beforeSuccess(() => {
        this.successHeld = false;
        this.sendSuccess(options, status);
      });
      return;
    }
    this.sendSuccess(options, status);
  }

  private sendSuccess(options: ResponseOptions, status: number): void {
    if (this.finalSent || this.state === 'terminated') return;
    this.finalSent = true;
    const response = this.response(status, options);
    const dialog = this.ensureDialog(response);
    dialog.confirm();
    if (options.body !== undefined) this.localSdp = response.body;
    this.state = 'accepted';
    this.transaction.respond(response);
    this.awaitAck(this.transaction, response, this.invite.cseq.seq);
  }

  /** Refuse the call with a final non-2xx (§13.3.1.3); the early dialog, if any, ends. */
  reject(status = 486, options: ResponseOptions = {}): void {
    if (status < 300) throw new RangeError('reject() takes a 3xx-6xx status');
    if (this.finalSent || this.state === 'terminated') return;
    this.finalSent = true;
    this.stopReliable();
    this.transaction.respond(this.response(status, options));
    this.terminate('rejected');
  }

  /** A CANCEL matched to our INVITE (the UA core calls this, §9.2). */
  receiveCancel(cancel: SipRequest, cancelTransaction: ServerTransaction): void {
    cancelTransaction.respond(buildResponse(cancel, 200, {}));
    // A CANCEL after the final response changes nothing but is still answered 200 (§9.2).
    if (this.finalSent || this.state === 'terminated') return;
    this.finalSent = true;
    this.stopReliable();
    this.transaction.respond(this.response(487, {}));
    this.emit('cancelled', cancel);
    this.terminate('cancelled');
  }

  protected override beforeRemoteBye(): void {
    // §15.1.2: a BYE on the early dialog ends the INVITE too, with 487.
    if (this.finalSent) return;
    this.finalSent = true;
    this.stopReliable();
    this.transaction.respond(this.response(487, {}));
  }

  /** RFC 3262 §3: a PRACK matching our unacknowledged reliable provisional → 2xx; else 481. */
  protected override receivePrack(incoming: IncomingRequest): void {
    const rack = parseRAck(incoming.request);
    if (!rack || !this.reliable?.acknowledge(rack, this.invite.cseq.seq)) {
      incoming.respond(481);
      return;
    }
    if (!this.fire('prack', incoming)) incoming.respond(200);
    this.reliable.release();
  }

  /** §3: 64·T1 without PRACK: the INVITE is refused with a 5xx. */
  private prackTimedOut(): void {
    if (this.finalSent || this.state === 'terminated') return;
    this.finalSent = true;
    this.transaction.respond(this.response(504, { reason: 'Server Time-out - No PRACK' }));
    this.terminate('prack-timeout');
  }

  private stopReliable(): void {
    this.successHeld = false;
    this.reliable?.stop();
  }

  protected override terminate(cause: Parameters<InviteSession['terminate']>[0]): void {
    this.stopReliable();
    super.terminate(cause);
  }

  protected override ackReceived(dialog: Dialog): void {
    if (this.state !== 'accepted') return;
    this.state = 'confirmed';
    this.fire('confirmed', dialog);
  }

  private response(status: number, options: ResponseOptions): SipResponse {
    return buildResponse(this.invite, status, options, {
      toTag: this.localTag,
      contact: this.options.contact,
      copyRecordRoute: true,
      allow: this.host.allow(),
    });
  }

  private ensureDialog(response: SipResponse): Dialog {
    if (this.dialog) return this.dialog;
    // RFC 7118 §5, RFC 5626 §5.3: a caller straight over a connection is reached back over it.
    const flow = inboundFlow(this.invite, this.transaction.source);
    const dialog = Dialog.asUas(this.invite, response, {
      secure: this.options.secure,
      ...(flow ? { flow } : {}),
    });
    this.dialog = dialog;
    this.bind(dialog);
    return dialog;
  }
}
