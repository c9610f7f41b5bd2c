import { Dialog } from '../dialog/index.js';
import { randomToken, type SipRequest, type SipResponse, type Uri } from '../message/index.js';
import type { ServerTransaction } from '../transaction/types.js';
import { InviteSession } from './invite-session.js';
import { buildResponse } from './response-builder.js';
import type { SessionHost } from './session-host.js';
import type { InviteSessionEvents, ResponseOptions } from './session-types.js';

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

  /** Send a provisional; above 100 it carries our To tag and creates the early dialog (§13.3.1.1). */
  progress(status = 180, options: ResponseOptions = {}): void {
    if (status < 100 || status > 199) throw new RangeError('progress() takes a 1xx status');
    if (this.finalSent || this.state === 'terminated') return;
    const response = this.response(status, options);
    if (status > 100) {
      this.ensureDialog(response);
      this.state = 'early';
    }
    this.transaction.respond(response);
  }

  /** Answer 2xx (§13.3.1.4): Contact, the body (SDP answer or offer), retransmitted until ACK. */
  accept(options: ResponseOptions = {}, status = 200): void {
    if (status < 200 || status > 299) throw new RangeError('accept() takes a 2xx status');
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
    this.transaction.respond(this.response(status, options));
    this.terminate('rejected');
  }

  /** A CANCEL matched to our INVITE (the UA core calls this, §9.2). */
  receiveCancel(cancel: SipRequest, cancelTransaction: ServerTransaction): void {
    cancelTransaction.respond(buildResponse(cancel, 200, {}));
    // A CANCEL after the final response changes nothing but is still answered 200 (§9.2).
    if (this.finalSent || this.state === 'terminated') return;
    this.finalSent = true;
    this.transaction.respond(this.response(487, {}));
    this.emit('cancelled', cancel);
    this.terminate('cancelled');
  }

  protected override beforeRemoteBye(): void {
    // §15.1.2: a BYE on the early dialog ends the INVITE too, with 487.
    if (this.finalSent) return;
    this.finalSent = true;
    this.transaction.respond(this.response(487, {}));
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
    const dialog = Dialog.asUas(this.invite, response, { secure: this.options.secure });
    this.dialog = dialog;
    this.bind(dialog);
    return dialog;
  }
}
