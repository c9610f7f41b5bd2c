import { type Dialog, dialogKey, inboundFlow, responseDialogId } from '../dialog/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/types.js';
import { type ByeAnswerHold, waitForByeAnswerHold } from './bye-answer-hold.js';
import { type EventMap, TypedEmitter } from './emitter.js';
import { IncomingRequest } from './incoming-request.js';
import { buildResponse } from './response-builder.js';
import { Retransmit2xx } from './retransmit-2xx.js';
import type { SessionHost } from './session-host.js';
import type {
  InviteSessionEvents,
  RequestOptions,
  ResponseOptions,
  SessionEndCause,
  SessionState,
} from './session-types.js';
import type { DialogUsage, SendOptions } from './types.js';

function toBuffer(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body) : body;
}

function isSdp(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/sdp';
}

/** How a request in a dialog is sent: over its flow while open (RFC 5626 §5.3), else to its next hop. */
function inDialog(dialog: Dialog): SendOptions {
  const flow = dialog.flowHop();
  return flow ? { nextHop: dialog.nextHop(), flow } : { nextHop: dialog.nextHop() };
}

/**
 * A target refresh the peer sent straight over a connection moves the dialog onto it (a client
 * that reconnected, RFC 5626 §4.4.1); one through a proxy or over UDP leaves the flow as it was.
 */
function refreshFlow(dialog: Dialog, request: SipRequest, transaction: ServerTransaction): void {
  const flow = inboundFlow(request, transaction.source);
  if (flow) dialog.flow = flow;
}

/**
 * What both ends of an INVITE-created call leg do once a dialog exists (RFC 3261 §12–15):
 * answer in-dialog requests (BYE, re-INVITE, UPDATE, INFO...), retransmit our 2xx to INVITEs
 * until ACKed, send ACK for 2xx we receive, and send BYE / re-INVITE / UPDATE / INFO.
 *
 * With no listener for `reinvite` or `update`, a bodiless request (a session refresh) gets 200
 * with our last SDP and an offer gets 488; INFO gets 200 without a body and 415 with one; other
 * methods get 405 (OPTIONS 200).
 */
export abstract class InviteSession<E extends InviteSessionEvents & EventMap<E> = InviteSessionEvents>
  extends TypedEmitter<E>
  implements DialogUsage
{
  state: SessionState = 'initial';
  /** The dialog of the call (the confirmed one; on the UAS side also the early one). */
  dialog: Dialog | undefined;
  /** The last SDP we sent in an offer or answer, reused to answer session refreshes. */
  localSdp: Buffer | undefined;
  /** Final status of this side's last failed in-dialog request (its 408 or 481 ends the dialog, §12.2.1.2). */
  lastFailure: number | undefined;
  /** Why the session ended, once it has. */
  endCause: SessionEndCause | undefined;

  protected readonly bound = new Set<Dialog>();
  /** Our 2xx to an INVITE waiting for its ACK (§13.3.1.4). */
  protected awaitingAck: { seq: number; retransmitter: Retransmit2xx } | undefined;
  /** BYE asked for while our 2xx was unacknowledged: sent on ACK or give-up (§15). */
  protected byeAfterAck = false;
  /** Headers for that BYE (a Reason, RFC 3326). */
  private byeOptions: RequestOptions = {};
  private outgoingInvite = false;
  private incomingInvite: IncomingRequest | undefined;
  private readonly sentAcks = new Map<string, SipRequest>();
  /** What the 200 to the peer's BYE waits for (holdByeAnswer); none: answered at once. */
  private byeAnswerHold: ByeAnswerHold | undefined;
  /** The peer's BYEs whose 200 is being held: the peer has ended the dialog, we are finishing. */
  private heldByes: IncomingRequest[] | undefined;

  constructor(protected readonly host: SessionHost) {
    super((error, event) => host.onError(error, `session event ${event}`));
  }

  /**
   * Make the 200 to the peer's BYE wait for `hold.until` (bounded, see ByeAnswerHold); `undefined`
   * answers at once again. While it waits the BYE's server transaction absorbs retransmissions
   * (RFC 3261 §17.2.2); the session takes requests as if the BYE had been answered: another BYE
   * gets the same 200 when it goes, anything else 481, and it sends nothing more (bye() does
   * nothing, requests reject). Then the 200 goes, `bye` fires and the session ends, as without a
   * hold; a session ended otherwise meanwhile (a 481 to a request of ours) only sends the 200.
   */
  holdByeAnswer(hold: ByeAnswerHold | undefined): void {
    this.byeAnswerHold = hold;
  }

  // ---- incoming ------------------------------------------------------------------------

  onRequest(request: SipRequest, transaction: ServerTransaction, dialog: Dialog): void {
    const incoming = new IncomingRequest(request, transaction, dialog, (i, status, options) =>
      this.answer(i, status, options),
    );
    if (this.heldByes) {
      if (request.method === 'BYE') this.heldByes.push(incoming);
      else incoming.respond(481);
      return;
    }
    switch (request.method) {
      case 'BYE':
        this.receiveBye(incoming);
        return;
      case 'INVITE':
        this.receiveReinvite(incoming);
        return;
      case 'UPDATE':
        // RFC 3311 §5.2: UPDATE is a target refresh request.
        dialog.refreshRemoteTarget(request);
        refreshFlow(dialog, request, transaction);
        if (!this.fire('update', incoming)) this.answerRefresh(incoming);
        return;
      case 'INFO':
        if (!this.fire('info', incoming)) incoming.respond(request.body.length === 0 ? 200 : 415);
        return;
      case 'PRACK':
        this.receivePrack(incoming);
        return;
      default:
        if (this.fire('request', incoming)) return;
        if (request.method === 'OPTIONS') incoming.respond(200);
        else incoming.respond(405, { headers: [['allow', this.host.allow().join(', ')]] });
    }
  }

  onAck(ack: SipRequest, dialog: Dialog): void {
    const waiting = this.awaitingAck;
    // A retransmitted ACK, or one for an older INVITE: nothing more to do.
    if (!waiting || ack.cseq.seq !== waiting.seq) return;
    waiting.retransmitter.stop();
    this.awaitingAck = undefined;
    this.fire('ack', ack);
    this.ackReceived(dialog);
    if (this.byeAfterAck) {
      this.byeAfterAck = false;
      void this.sendBye('local-bye', this.byeOptions);
    }
  }

  /** Hook: a PRACK (RFC 3262 §3). Only the UAS sends reliable provisionals: elsewhere 481. */
  protected receivePrack(incoming: IncomingRequest): void {
    incoming.respond(481);
  }

  /** Hook: the ACK for our pending 2xx arrived. */
  protected ackReceived(_dialog: Dialog): void {}

  /** Hook: the peer sent BYE and we are about to answer it. */
  protected beforeRemoteBye(): void {}

  private receiveBye(incoming: IncomingRequest): void {
    // A BYE on another fork's early dialog ends that fork only (§15).
    if (this.dialog !== incoming.dialog) {
      incoming.respond(200);
      this.dropDialog(incoming.dialog);
      return;
    }
    this.beforeRemoteBye();
    // §15.1.2: requests still pending in the dialog are answered, 487 recommended.
    if (this.incomingInvite && !this.incomingInvite.responded) this.incomingInvite.respond(487);
    const hold = this.byeAnswerHold;
    if (!hold) {
      this.answerBye([incoming]);
      return;
    }
    const held = [incoming];
    this.heldByes = held;
    void waitForByeAnswerHold(hold, incoming.request, this.host).then(() => {
      this.heldByes = undefined;
      this.answerBye(held);
    });
  }

  /** 200 to the peer's BYE (and any that joined a held one), `bye`, then the session ends. */
  private answerBye(byes: IncomingRequest[]): void {
    for (const bye of byes) bye.respond(200);
    if (this.state === 'terminated') return;
    this.fire('bye', byes[0]!.request);
    this.terminate('remote-bye');
  }

  private receiveReinvite(incoming: IncomingRequest): void {
    // §14.2: our own re-INVITE is pending → 491; theirs is → 500 with Retry-After.
    if (this.outgoingInvite) {
      incoming.respond(491);
      return;
    }
    if (this.incomingInvite && !this.incomingInvite.responded) {
      const retryAfter = String(Math.floor(Math.random() * 10));
      incoming.respond(500, { headers: [['retry-after', retryAfter]] });
      return;
    }
    incoming.dialog.refreshRemoteTarget(incoming.request);
    refreshFlow(incoming.dialog, incoming.request, incoming.transaction);
    this.incomingInvite = incoming;
    if (!this.fire('reinvite', incoming)) this.answerRefresh(incoming);
  }

  /** Default for re-INVITE/UPDATE nobody listens to: refresh → 200 (+ our SDP), offer → 488. */
  private answerRefresh(incoming: IncomingRequest): void {
    if (incoming.request.body.length > 0) {
      incoming.respond(488);
      return;
    }
    if (incoming.method === 'INVITE' && !this.localSdp) {
      incoming.respond(488);
      return;
    }
    const body = incoming.method === 'INVITE' ? this.localSdp : undefined;
    incoming.respond(200, body ? { body } : {});
  }

  /** Send a response to an in-dialog request (the IncomingRequest responder). */
  private answer(incoming: IncomingRequest, status: number, options: ResponseOptions): void {
    const { request, transaction, dialog } = incoming;
    const refresh = request.method === 'INVITE' || request.method === 'UPDATE';
    const response = buildResponse(request, status, options, {
      contact: refresh ? dialog.localTarget : undefined,
      allow: request.method === 'INVITE' ? this.host.allow() : undefined,
    });
    transaction.respond(response);
    if (status < 200) return;
    // Only the pending re-INVITE's own final frees the dialog: a 500/491 to another INVITE that
    // crossed it (§14.2) leaves it pending, else a flood would be taken one after another.
    if (incoming === this.incomingInvite) this.incomingInvite = undefined;
    if (status < 300 && options.body !== undefined && isSdp(response.contentType)) {
      this.localSdp = response.body;
    }
    if (request.method === 'INVITE' && status < 300) this.awaitAck(transaction, response, request.cseq.seq);
  }

  /** §13.3.1.4: keep sending our 2xx until the ACK arrives, BYE after 64·T1 without one. */
  protected awaitAck(transaction: ServerTransaction, response: SipResponse, seq: number): void {
    this.awaitingAck?.retransmitter.stop();
    const retransmitter = new Retransmit2xx({
      timers: this.host.timers,
      t1: this.host.t1,
      t2: this.host.t2,
      retransmit: transaction.source.protocol === 'udp',
      send: () => this.retransmit(transaction, response),
      onGiveUp: () => {
        this.awaitingAck = undefined;
        this.byeAfterAck = false;
        void this.sendBye('ack-timeout');
      },
    });
    this.awaitingAck = { seq, retransmitter };
  }

  private retransmit(transaction: ServerTransaction, response: SipResponse): void {
    try {
      // RFC 6026 §7.1: the Accepted state passes TU 2xx retransmissions through; once the
      // transaction is gone (Timer L), send them ourselves to where the INVITE came from.
      if (transaction.respond(response)) return;
      this.host.transport
        .sendStateless(response, transaction.source)
        .catch((error) => this.host.onError(error, 'retransmit 2xx'));
    } catch (error) {
      this.host.onError(error, 'retransmit 2xx');
    }
  }

  // ---- outgoing ------------------------------------------------------------------------

  /**
   * End the call with BYE (§15.1.1): the session ends as the BYE leaves; resolves with its final
   * response. Before the ACK for our 2xx arrives, the BYE waits for it (or for the give-up).
   * `options.headers` go on the BYE (a Reason, RFC 3326).
   */
  bye(options: RequestOptions = {}): Promise<SipResponse | undefined> {
    if (this.state === 'terminated' || !this.dialog) return Promise.resolve(undefined);
    if (this.awaitingAck && this.state === 'accepted') {
      this.byeAfterAck = true;
      this.byeOptions = options;
      return Promise.resolve(undefined);
    }
    return this.sendBye('local-bye', options);
  }

  /** Send a re-INVITE (§14.1); 2xx is ACKed here, 491 is the caller's to retry. */
  reinvite(options: RequestOptions = {}): Promise<SipResponse> {
    if (this.outgoingInvite || (this.incomingInvite && !this.incomingInvite.responded)) {
      return Promise.reject(new Error('an INVITE transaction is already in progress in this dialog'));
    }
    this.outgoingInvite = true;
    return this.request('INVITE', options).finally(() => {
      this.outgoingInvite = false;
    });
  }

  /**
   * A re-INVITE without an offer (§14.1; RFC 3725 §4.1): the peer's 2xx carries its offer and
   * `ack` must send our answer in the ACK (§13.2.2.4), which is not sent before. A 2xx without a
   * body still needs `ack({})`.
   */
  reinviteForOffer(
    options: Omit<RequestOptions, 'body'> = {},
  ): Promise<{ response: SipResponse; ack: (answer: RequestOptions) => void }> {
    if (this.outgoingInvite || (this.incomingInvite && !this.incomingInvite.responded)) {
      return Promise.reject(new Error('an INVITE transaction is already in progress in this dialog'));
    }
    this.outgoingInvite = true;
    return this.send('INVITE', options, true)
      .then(({ response, request, dialog }) => ({
        response,
        ack: (answer: RequestOptions) => {
          if (response.status >= 200 && response.status < 300) this.sendAck(dialog, request, answer);
          if (answer.body !== undefined) this.localSdp = toBuffer(answer.body);
        },
      }))
      .finally(() => {
        this.outgoingInvite = false;
      });
  }

  update(options: RequestOptions = {}): Promise<SipResponse> {
    return this.request('UPDATE', options);
  }

  info(options: RequestOptions = {}): Promise<SipResponse> {
    return this.request('INFO', options);
  }

  /**
   * Send a request in the dialog (§12.2.1.1) and resolve with its final response. A 2xx to a
   * target refresh updates the remote target; 481 and 408 end the dialog (§12.2.1.2).
   */
  request(method: string, options: RequestOptions = {}): Promise<SipResponse> {
    return this.send(method, options, false).then(({ response }) => response);
  }

  private send(
    method: string,
    options: RequestOptions,
    deferAck: boolean,
  ): Promise<{ response: SipResponse; request: SipRequest; dialog: Dialog }> {
    const dialog = this.requestDialog(method);
    // A held BYE (holdByeAnswer): the peer has ended the dialog already.
    if (!dialog || this.state === 'terminated' || this.heldByes) {
      return Promise.reject(new Error(`no dialog to send ${method} in`));
    }
    const request = dialog.createRequest(method);
    this.decorate(request, options);
    return new Promise((resolve) => {
      void this.host.sendRequest(
        request,
        {
          onFinal: (response) => {
            this.ownRequestAnswered(dialog, request, response, deferAck);
            resolve({ response, request, dialog });
          },
          onLate2xx: (response) => this.resendAck(response),
        },
        inDialog(dialog),
      );
    });
  }

  /** The dialog a request goes in: the call's; the UAC adds its early dialog for UPDATE (RFC 3311). */
  protected requestDialog(_method: string): Dialog | undefined {
    return this.dialog;
  }

  private ownRequestAnswered(
    dialog: Dialog,
    request: SipRequest,
    response: SipResponse,
    deferAck = false,
  ): void {
    const status = response.status;
    if (status >= 200 && status < 300) {
      if (request.method === 'INVITE' || request.method === 'UPDATE') dialog.refreshRemoteTarget(response);
      if (request.method === 'INVITE' && !deferAck) this.sendAck(dialog, request);
      if (isSdp(request.contentType) && request.body.length > 0) this.localSdp = request.body;
      return;
    }
    if (request.method === 'BYE' || this.state === 'terminated') return;
    // RFC 5057 §5.1: a NOTIFY's 481 or 408 ends only its subscription usage, not the call.
    if (request.method === 'NOTIFY') return;
    this.lastFailure = status;
    if (status === 481) this.terminate('dialog-gone');
    // RFC 5626 §5.3: 430, the peer's flow is gone, as unreachable as a 408.
    else if (status === 408 || status === 430) void this.sendBye('dialog-gone');
  }

  protected sendBye(cause: SessionEndCause, options: RequestOptions = {}): Promise<SipResponse | undefined> {
    const dialog = this.dialog;
    // The peer's BYE is held (holdByeAnswer): the dialog is ending without ours.
    if (!dialog || this.state === 'terminated' || this.heldByes) return Promise.resolve(undefined);
    const bye = dialog.createRequest('BYE');
    this.decorate(bye, options);
    this.terminate(cause);
    return this.sendOutside(dialog, bye);
  }

  /** Send a request through a transaction in a dialog that is not (or no longer) ours. */
  protected sendOutside(dialog: Dialog, request: SipRequest): Promise<SipResponse> {
    return new Promise((resolve) => {
      void this.host.sendRequest(request, { onFinal: resolve }, inDialog(dialog));
    });
  }

  /**
   * ACK a 2xx to an INVITE end to end (§13.2.2.4): in the dialog, CSeq number of the INVITE,
   * credentials copied, to the dialog's next hop with its route set; kept to answer retransmissions.
   */
  protected sendAck(dialog: Dialog, invite: SipRequest, options: RequestOptions = {}): void {
    const ack = dialog.createRequest('ACK', { cseq: invite.cseq.seq });
    for (const name of ['authorization', 'proxy-authorization']) {
      for (const value of invite.getAll(name)) ack.append(name, value);
    }
    this.decorate(ack, options);
    this.sentAcks.set(`${dialog.key}|${invite.cseq.seq}`, ack);
    this.host.sendInDialogStateless(ack, dialog).catch((error) => this.host.onError(error, 'send ACK'));
  }

  /** A retransmitted 2xx: send the same ACK again (§13.2.2.4). True when there was one. */
  protected resendAck(response: SipResponse): boolean {
    const id = responseDialogId(response);
    if (!id) return false;
    const ack = this.sentAcks.get(`${dialogKey(id)}|${response.cseq.seq}`);
    const dialog = [...this.bound].find((d) => d.key === dialogKey(id)) ?? this.dialog;
    if (!ack || !dialog) return false;
    this.host.sendInDialogStateless(ack, dialog).catch((error) => this.host.onError(error, 'resend ACK'));
    return true;
  }

  protected decorate(request: SipRequest, options: RequestOptions): void {
    for (const [name, value] of options.headers ?? []) request.append(name, value);
    if (options.body !== undefined) {
      request.setBody(toBuffer(options.body), options.contentType ?? 'application/sdp');
    }
  }

  // ---- bookkeeping ---------------------------------------------------------------------

  protected bind(dialog: Dialog): void {
    this.bound.add(dialog);
    this.host.bindDialog(dialog, this);
  }

  protected dropDialog(dialog: Dialog): void {
    dialog.terminate();
    this.host.unbindDialog(dialog);
    this.bound.delete(dialog);
  }

  /** End the session: stop timers, forget its dialogs (later requests get 481), emit once. */
  protected terminate(cause: SessionEndCause): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.endCause = cause;
    this.awaitingAck?.retransmitter.stop();
    this.awaitingAck = undefined;
    for (const dialog of [...this.bound]) this.dropDialog(dialog);
    this.dialog?.terminate();
    this.fire('terminated', cause);
  }

  /** Emit a base event (the generic event map cannot prove it holds them). */
  protected fire<K extends keyof InviteSessionEvents>(event: K, ...args: InviteSessionEvents[K]): boolean {
    return (this as unknown as TypedEmitter<InviteSessionEvents>).emit(event, ...args);
  }
}
