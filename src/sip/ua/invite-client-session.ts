import { Dialog } from '../dialog/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { ClientTransaction } from '../transaction/types.js';
import type { Target } from '../transport/types.js';
import { InviteSession } from './invite-session.js';
import { createCancel } from './request-factory.js';
import { isReliable, parseRSeq } from './rseq.js';
import type { SessionHost } from './session-host.js';
import { retryForMinSe } from './session-interval-retry.js';
import type { InviteSessionEvents, RequestOptions } from './session-types.js';

export interface InviteClientEvents extends InviteSessionEvents {
  /**
   * A provisional; with a To tag it created or belongs to an early dialog (§13.2.2.1). A reliable
   * one (RFC 3262) comes once, retransmissions left out; it was PRACKed already unless it carries
   * an offer (the INVITE had none): then `prack(response, { body })` sends the answer.
   */
  progress: [response: SipResponse, dialog: Dialog | undefined];
  /** The first 2xx: the call is answered and its dialog confirmed (§13.2.2.4). */
  accepted: [response: SipResponse, dialog: Dialog];
  /** A final non-2xx (including synthetic 408/503, and 487 after our CANCEL). */
  rejected: [response: SipResponse];
}

/**
 * The UAC side of a call leg (RFC 3261 §13.2): send the INVITE, keep one early dialog per To tag
 * of the 1xx received (forking), confirm the first 2xx's dialog and ACK it end to end, ACK+BYE a
 * 2xx from any other fork, CANCEL once a provisional arrived (§9.1). 491 on re-INVITE is left to
 * the caller. Events: see InviteClientEvents.
 *
 * When the INVITE carries no offer, the 2xx brings it and `ack({ body })` must send the answer.
 *
 * Reliable provisionals (RFC 3262 §4) are PRACKed in their early dialog, in RSeq order, each once.
 * A 422 to an INVITE that asked for a session timer is retried once with the 422's Min-SE
 * (RFC 4028 §7.4); `invite` is then the retried request.
 */
export class InviteClientSession extends InviteSession<InviteClientEvents> {
  /** The transaction of the INVITE, once it was sent. */
  transaction: ClientTransaction | undefined;
  /** The INVITE (after a 422, its retry). */
  invite: SipRequest;
  /** Early dialogs by remote tag, until the call is answered. */
  readonly earlyDialogs = new Map<string, Dialog>();
  private provisionalSeen = false;
  private finalSeen = false;
  private cancelRequested = false;
  private cancelReason: string | undefined;
  private cancelSent = false;
  private readonly forksEnded = new Set<string>();
  /** RFC 3262 §4: the last RSeq PRACKed, per early dialog (remote tag). */
  private readonly lastRSeq = new Map<string, number>();
  /** The early dialog of the latest provisional: early UPDATEs go there (RFC 3311 §5.1). */
  private latestEarly: Dialog | undefined;
  private retried = false;
  /**
   * The INVITE's offer/answer completed in an early dialog: a reliable provisional answered our
   * offer, or our PRACK answered its offer (RFC 3311 §5.1: UPDATE may follow).
   */
  earlyAnswerReceived = false;

  constructor(host: SessionHost, invite: SipRequest) {
    super(host);
    this.invite = invite;
    if (invite.body.length > 0) this.localSdp = invite.body;
  }

  /** Send the INVITE. */
  async start(): Promise<void> {
    this.transaction = await this.host.sendRequest(this.invite, {
      onProvisional: (response, flow) => this.provisional(response, flow),
      onFinal: (response, flow) => this.final(response, flow),
      onLate2xx: (response, flow) => this.success(response, flow),
    });
    this.maybeSendCancel();
  }

  /**
   * Cancel the call (§9.1). The CANCEL leaves once a provisional arrived; with a final response
   * already in, nothing is sent. A 2xx that crosses the CANCEL is ACKed and ended with BYE.
   * `reason` is a Reason header value (RFC 3326).
   */
  cancel(reason?: string): void {
    if (this.finalSeen || this.state === 'terminated' || this.cancelRequested) return;
    this.cancelRequested = true;
    this.cancelReason = reason;
    this.maybeSendCancel();
  }

  /** Send the ACK for the 2xx when the INVITE had no offer: `body` is the answer (§13.2.2.4). */
  ack(options: RequestOptions = {}): void {
    if (!this.dialog || this.state !== 'confirmed') throw new Error('no answered dialog to ACK');
    this.sendAck(this.dialog, this.invite, options);
  }

  /**
   * Send the PRACK for a reliable provisional (RFC 3262 §4: RAck with its RSeq and the INVITE's
   * CSeq) in its early dialog; `options.body` answers an offer the provisional carried.
   */
  prack(response: SipResponse, options: RequestOptions = {}): Promise<SipResponse | undefined> {
    const rseq = parseRSeq(response);
    const tag = response.to.tag;
    const dialog = tag === undefined ? undefined : (this.earlyDialogs.get(tag) ?? this.dialog);
    if (rseq === undefined || !dialog || dialog.remoteTag !== tag || this.state === 'terminated') {
      return Promise.resolve(undefined);
    }
    const prack = dialog.createRequest('PRACK');
    prack.append('rack', `${rseq} ${this.invite.cseq.seq} INVITE`);
    this.decorate(prack, options);
    if (options.body !== undefined && response.body.length > 0) {
      // RFC 3262 §5: the provisional offered, this PRACK answers: the early offer/answer is done.
      this.localSdp = prack.body;
      this.earlyAnswerReceived = true;
    }
    return this.sendOutside(dialog, prack);
  }

  protected override requestDialog(method: string): Dialog | undefined {
    // RFC 3311 §5.1: UPDATE may go in an early dialog; other requests wait for the 2xx.
    if (this.dialog || method !== 'UPDATE' || this.state !== 'early') return this.dialog;
    return this.latestEarly;
  }

  private provisional(response: SipResponse, flow: Target | undefined): void {
    if (this.state === 'terminated') return;
    this.provisionalSeen = true;
    let dialog: Dialog | undefined;
    const tag = response.to.tag;
    if (tag !== undefined && response.status > 100) {
      dialog = this.earlyDialogs.get(tag);
      if (!dialog) {
        dialog = Dialog.asUac(this.invite, response, flow ? { flow } : {});
        this.earlyDialogs.set(tag, dialog);
        this.bind(dialog);
      }
      if (isReliable(response) && !this.takeReliable(response, tag)) return;
      this.latestEarly = dialog;
      this.state = 'early';
    }
    this.maybeSendCancel();
    this.emit('progress', response, dialog);
  }

  /**
   * RFC 3262 §4: a reliable provisional is processed once, in order: the first of its dialog or the
   * next RSeq; a retransmission (or one out of order) is dropped. Processed ones are PRACKed here,
   * unless they bring an offer (our INVITE had none): that PRACK is the owner's, with the answer.
   */
  private takeReliable(response: SipResponse, tag: string): boolean {
    const rseq = parseRSeq(response)!;
    const last = this.lastRSeq.get(tag);
    if (last !== undefined && rseq !== last + 1) return false;
    this.lastRSeq.set(tag, rseq);
    const hasBody = response.body.length > 0;
    if (hasBody && this.invite.body.length > 0) this.earlyAnswerReceived = true;
    if (!hasBody || this.invite.body.length > 0) void this.prack(response);
    return true;
  }

  private final(response: SipResponse, flow: Target | undefined): void {
    if (!this.finalSeen && this.retryAfter422(response)) return;
    this.finalSeen = true;
    if (response.status < 300) {
      this.success(response, flow);
      return;
    }
    if (this.state === 'terminated') return;
    this.emit('rejected', response);
    this.terminate(this.cancelRequested && response.status === 487 ? 'cancelled' : 'rejected');
  }

  /** Every 2xx: the first confirms its dialog; retransmissions get the ACK again; other forks ACK+BYE. */
  private success(response: SipResponse, flow: Target | undefined): void {
    const tag = response.to.tag;
    if (tag === undefined) return; // §12.1.2 needs a To tag; a 2xx without one cannot be ACKed
    if (this.resendAck(response)) return;
    if (this.dialog?.remoteTag === tag) return; // a retransmission before our delayed-offer ACK
    if (this.dialog || this.state === 'terminated') {
      this.endFork(tag, response, flow);
      return;
    }
    const early = this.earlyDialogs.get(tag);
    const dialog = early ?? Dialog.asUac(this.invite, response);
    dialog.confirm(response);
    if (flow) dialog.flow = flow;
    this.dialog = dialog;
    if (!early) this.bind(dialog);
    // Early dialogs of other forks end with the first 2xx; their later 2xx are ACKed and ended.
    for (const [otherTag, other] of this.earlyDialogs) if (otherTag !== tag) this.dropDialog(other);
    this.earlyDialogs.clear();
    this.state = 'confirmed';
    // Without an offer in the INVITE, the owner sends the ACK with the answer (`ack()`).
    if (this.localSdp || this.cancelRequested) this.sendAck(dialog, this.invite);
    if (this.cancelRequested) {
      void this.sendBye('cancelled');
      return;
    }
    this.emit('accepted', response, dialog);
    this.fire('confirmed', dialog);
  }

  /** RFC 4028 §7.4: a 422 with Min-SE gets the INVITE once more with that interval. */
  private retryAfter422(response: SipResponse): boolean {
    if (response.status !== 422 || this.retried || this.cancelRequested || this.state === 'terminated') {
      return false;
    }
    const retry = retryForMinSe(this.invite, response, this.host.transport.via());
    if (!retry) return false;
    this.retried = true;
    for (const dialog of this.earlyDialogs.values()) this.dropDialog(dialog);
    this.earlyDialogs.clear();
    this.lastRSeq.clear();
    this.latestEarly = undefined;
    this.provisionalSeen = false;
    this.transaction = undefined;
    this.state = 'initial';
    this.invite = retry;
    this.start().catch((error) => this.host.onError(error, 'retry INVITE after 422'));
    return true;
  }

  /** §13.2.2.4: a 2xx from a fork we do not keep is ACKed, then its dialog ended with BYE. */
  private endFork(tag: string, response: SipResponse, flow: Target | undefined): void {
    if (this.forksEnded.has(tag)) return;
    this.forksEnded.add(tag);
    const dialog = Dialog.asUac(this.invite, response, flow ? { flow } : {});
    this.sendAck(dialog, this.invite);
    void this.sendOutside(dialog, dialog.createRequest('BYE'));
  }

  private maybeSendCancel(): void {
    if (!this.cancelRequested || this.cancelSent || this.finalSeen) return;
    const transaction = this.transaction;
    if (!this.provisionalSeen || !transaction) return;
    this.cancelSent = true;
    void this.host.sendRequest(
      createCancel(this.invite, this.cancelReason),
      {},
      { target: transaction.target },
    );
  }
}
