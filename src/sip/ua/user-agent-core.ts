import type { Dialog } from '../dialog/index.js';
import { DialogStore } from '../dialog/index.js';
import { SipParseError, type SipRequest, type SipResponse } from '../message/index.js';
import type { ClientTransaction, ServerTransaction } from '../transaction/types.js';
import type { Target } from '../transport/types.js';
import { InviteClientSession } from './invite-client-session.js';
import { InviteServerSession } from './invite-server-session.js';
import { checkAcceptsSdp, checkBodyType, type Refusal, unsupportedExtensions } from './request-checks.js';
import { createOutOfDialogRequest, type OutOfDialogRequestOptions } from './request-factory.js';
import { flowTarget, sendThroughTransaction } from './request-sender.js';
import { buildResponse } from './response-builder.js';
import type { SessionHost } from './session-host.js';
import {
  type DialogUsage,
  type ErrorSink,
  type RequestHandler,
  type ResponseCallbacks,
  type SendOptions,
  systemTimers,
  type UaTimers,
  type UaTransport,
  type UserAgentOptions,
} from './types.js';
import { addVia } from './via.js';

/** Methods every UA core takes part in: INVITE dialogs and their in-dialog requests (§8.2.1). */
const dialogMethods = ['ACK', 'BYE', 'CANCEL', 'INFO', 'INVITE', 'OPTIONS', 'PRACK', 'UPDATE'];

/** Methods that only make sense inside a dialog: outside one they get 481 (§15.1.2). */
const inDialogOnly = new Set(['BYE', 'INFO', 'UPDATE', 'PRACK']);

export interface InviteOptions extends Omit<OutOfDialogRequestOptions, 'body' | 'contentType'> {
  /** The SDP offer; without one the 2xx carries the offer and `ack()` sends the answer. */
  sdp?: Buffer | string;
}

interface DialogBinding {
  dialog: Dialog;
  usage: DialogUsage;
}

/** Key of the INVITE server transaction a CANCEL matches (§9.2 via §17.2.3). */
function inviteKey(request: SipRequest): string {
  const via = request.topVia;
  const branch = via?.branch;
  if (branch?.startsWith('z9hG4bK')) return `${branch}|${via?.host}:${via?.port ?? ''}`;
  // RFC 2543 peers: Request-URI, Call-ID, From tag, CSeq number and top Via (§17.2.3).
  return `${request.uriText}|${request.callId}|${request.from.tag}|${request.cseq.seq}|${via?.toString()}`;
}

function defaultErrorSink(error: unknown, context: string): void {
  process.emitWarning(`UA core (${context}): ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * The UA core (RFC 3261 §8, §12–15): answers requests handed over by the transaction layer —
 * in-dialog ones to their dialog's usage (481 when none), out-of-dialog ones to the handler
 * registered for their method after the §8.2 checks (405, 420, 415, 406) — and originates
 * requests, call legs (INVITE sessions) and 2xx ACKs.
 */
export class UserAgentCore implements SessionHost {
  readonly transport: UaTransport;
  readonly timers: UaTimers;
  readonly t1: number;
  readonly t2: number;
  readonly onError: ErrorSink;
  readonly supported: string[];
  /** Option tags a role on this core handles in its dialogs (`understand`), beyond `supported`. */
  private readonly understood = new Set<string>();
  readonly dialogs = new DialogStore<DialogBinding>();
  private readonly userAgent: string | undefined;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly pendingInvites = new Map<string, InviteServerSession>();
  private readonly sessionsByTransaction = new WeakMap<ServerTransaction, InviteServerSession>();

  constructor(options: UserAgentOptions) {
    this.transport = options.transport;
    this.timers = options.timers ?? systemTimers;
    this.t1 = options.t1 ?? 500;
    this.t2 = options.t2 ?? 4000;
    this.onError = options.onError ?? defaultErrorSink;
    this.supported = options.supported ?? [];
    this.userAgent = options.userAgent;
  }

  // ---- registration --------------------------------------------------------------------

  /** Handle out-of-dialog requests of a method (REGISTER, MESSAGE, SUBSCRIBE, OPTIONS...). */
  handle(method: string, handler: RequestHandler): this {
    this.handlers.set(method.toUpperCase(), handler);
    return this;
  }

  /** Take new calls: each out-of-dialog INVITE becomes an InviteServerSession for `handler`. */
  onInvite(handler: (session: InviteServerSession) => void): this {
    return this.handle('INVITE', (request, transaction) => handler(this.acceptInvite(request, transaction)));
  }

  /**
   * A role on this core handles these option tags in its dialogs (a B2BUA: 100rel, timer): requests
   * requiring them are no longer refused 420 (§8.2.2.3), and OPTIONS lists them. Requests the
   * core originates keep `supported`: each role says what it offers on its own INVITEs.
   */
  understand(...tags: string[]): this {
    for (const tag of tags) this.understood.add(tag.toLowerCase());
    return this;
  }

  /** Methods for Allow (§20.5): the dialog methods and every registered one. */
  allow(): string[] {
    return [...new Set([...dialogMethods, ...this.handlers.keys()])].sort();
  }

  bindDialog(dialog: Dialog, usage: DialogUsage): void {
    this.dialogs.set(dialog.id, { dialog, usage });
  }

  unbindDialog(dialog: Dialog): void {
    const binding = this.dialogs.get(dialog.id);
    if (binding?.dialog === dialog) this.dialogs.delete(dialog.id);
  }

  // ---- incoming ------------------------------------------------------------------------

  /** A request from the transaction layer. Never throws: failures become responses (docs/architecture.md, Errors). */
  handleRequest(request: SipRequest, transaction: ServerTransaction): void {
    try {
      this.dispatch(request, transaction);
    } catch (error) {
      this.onError(error, `handle ${request.method}`);
      const status = error instanceof SipParseError ? error.status : 500;
      this.respondSafely(
        request,
        transaction,
        status,
        error instanceof SipParseError ? error.message : undefined,
      );
    }
  }

  /** An ACK for a 2xx (no transaction of its own, §17.2.3): to its dialog, else dropped (§12.2.2). */
  handleAck(ack: SipRequest, _source: Target): void {
    try {
      const binding = this.dialogs.findForRequest(ack);
      if (binding) binding.usage.onAck(ack, binding.dialog);
    } catch (error) {
      this.onError(error, 'handle ACK');
    }
  }

  private dispatch(request: SipRequest, transaction: ServerTransaction): void {
    const method = request.method;
    if (method === 'ACK') {
      this.handleAck(request, transaction.source);
      return;
    }
    if (method === 'CANCEL') {
      this.receiveCancel(request, transaction);
      return;
    }
    const refusal = this.inspect(request);
    if (refusal) {
      transaction.respond(
        buildResponse(request, refusal.status, { reason: refusal.reason, headers: refusal.headers }),
      );
      return;
    }
    if (request.to.tag !== undefined) {
      this.dispatchInDialog(request, transaction);
      return;
    }
    const handler = this.handlers.get(method);
    if (handler) handler(request, transaction);
    else if (method === 'OPTIONS') transaction.respond(this.optionsResponse(request));
    else if (inDialogOnly.has(method)) this.respond(request, transaction, 481);
    else {
      const allow = this.allow().filter((m) => m !== method);
      this.respond(request, transaction, 405, [['allow', allow.join(', ')]]);
    }
  }

  /** §8.2.1–8.2.3: method, Require option tags, body type, Accept. */
  private inspect(request: SipRequest): Refusal | undefined {
    if (!this.allow().includes(request.method)) {
      return { status: 405, headers: [['allow', this.allow().join(', ')]] };
    }
    const unsupported = unsupportedExtensions(request, [...this.supported, ...this.understood]);
    if (unsupported.length > 0) return { status: 420, headers: [['unsupported', unsupported.join(', ')]] };
    return checkBodyType(request) ?? checkAcceptsSdp(request);
  }

  private dispatchInDialog(request: SipRequest, transaction: ServerTransaction): void {
    const binding = this.dialogs.findForRequest(request);
    if (!binding) {
      // §12.2.2: a To tag naming no dialog we know.
      this.respond(request, transaction, 481);
      return;
    }
    const rejection = binding.dialog.checkRequest(request);
    if (rejection) {
      this.respond(request, transaction, rejection.status, [], rejection.reason);
      return;
    }
    binding.usage.onRequest(request, transaction, binding.dialog);
  }

  /**
   * A CANCEL with the INVITE server transaction the transaction layer matched it to (§9.2), or
   * undefined (→ 481). Wire the layer's `onCancel` here; without it CANCEL arrives through
   * `handleRequest` and is matched by the INVITE's top Via.
   */
  handleCancel(
    cancel: SipRequest,
    transaction: ServerTransaction,
    invite: ServerTransaction | undefined,
  ): void {
    try {
      const session = invite ? this.sessionsByTransaction.get(invite) : undefined;
      if (session) session.receiveCancel(cancel, transaction);
      else this.respond(cancel, transaction, 481); // §9.2: no matching transaction
    } catch (error) {
      this.onError(error, 'handle CANCEL');
    }
  }

  private receiveCancel(cancel: SipRequest, transaction: ServerTransaction): void {
    const session = this.pendingInvites.get(inviteKey(cancel));
    if (session) session.receiveCancel(cancel, transaction);
    else this.respond(cancel, transaction, 481); // §9.2: no matching transaction
  }

  /**
   * Take an out-of-dialog INVITE as the UAS of a new call leg (a role that received it from the
   * routing stages, a B2BUA): its CANCEL (`handleCancel`) and in-dialog requests reach the session.
   */
  acceptInvite(request: SipRequest, transaction: ServerTransaction): InviteServerSession {
    const protocol = transaction.source.protocol;
    const sips = request.uri.kind === 'sip' && request.uri.scheme === 'sips';
    const contact = this.transport.localContact(protocol).clone();
    if (sips) contact.scheme = 'sips'; // §8.1.1.8 / §12.1.1: SIPS in, SIPS Contact out
    const session = new InviteServerSession(this, request, transaction, {
      contact,
      secure: sips && (protocol === 'tls' || protocol === 'wss'),
    });
    const key = inviteKey(request);
    this.pendingInvites.set(key, session);
    this.sessionsByTransaction.set(transaction, session);
    const forget = (): void => {
      if (this.pendingInvites.get(key) === session) this.pendingInvites.delete(key);
    };
    transaction.onTerminated(forget);
    session.on('terminated', forget);
    return session;
  }

  private optionsResponse(request: SipRequest): SipResponse {
    // §11.2: what we would do with an INVITE: Allow, Accept, Supported.
    return buildResponse(request, 200, {
      headers: [
        ['allow', this.allow().join(', ')],
        ['accept', 'application/sdp'],
        ['supported', [...new Set([...this.supported, ...this.understood])].join(', ')],
      ],
    });
  }

  private respond(
    request: SipRequest,
    transaction: ServerTransaction,
    status: number,
    headers: Array<[string, string]> = [],
    reason?: string,
  ): void {
    transaction.respond(buildResponse(request, status, { headers, reason }));
  }

  private respondSafely(
    request: SipRequest,
    transaction: ServerTransaction,
    status: number,
    detail?: string,
  ): void {
    if (request.method === 'ACK') return;
    const last = transaction.lastResponse;
    if (last && last.status >= 200) return;
    try {
      const reason = detail ? `Bad Request - ${detail.replace(/[\r\n]/g, ' ').slice(0, 80)}` : undefined;
      this.respond(request, transaction, status, [], status === 400 ? reason : undefined);
    } catch (error) {
      this.onError(error, `respond ${status}`);
    }
  }

  // ---- outgoing ------------------------------------------------------------------------

  /** Build an out-of-dialog request (§8.1.1); send it with `sendRequest`. */
  createRequest(method: string, options: OutOfDialogRequestOptions): SipRequest {
    return createOutOfDialogRequest(method.toUpperCase(), options, {
      transport: this.transport,
      allow: () => this.allow(),
      supported: this.supported,
      userAgent: this.userAgent,
    });
  }

  /**
   * Resolve the next hop and send through a client transaction (§8.1.2). The callbacks get every
   * 1xx and one final response (408 on timeout, 503 on transport or resolution failure, §8.1.3.1).
   */
  sendRequest(
    request: SipRequest,
    callbacks: ResponseCallbacks = {},
    options: SendOptions = {},
  ): Promise<ClientTransaction | undefined> {
    return sendThroughTransaction(this.transport, request, callbacks, options, this.onError);
  }

  /** Send a request and resolve with its final response. */
  request(request: SipRequest, options: SendOptions = {}): Promise<SipResponse> {
    return new Promise((resolve) => {
      void this.sendRequest(request, { onFinal: resolve }, options);
    });
  }

  /** Start a call: build the INVITE (with the SDP offer) and send it. */
  invite(options: InviteOptions): InviteClientSession {
    const { sdp, ...rest } = options;
    const request = this.createRequest('INVITE', sdp === undefined ? rest : { ...rest, body: sdp });
    const session = new InviteClientSession(this, request);
    session.start().catch((error) => this.onError(error, 'send INVITE'));
    return session;
  }

  /**
   * Send a request outside any transaction to a dialog's next hop (2xx ACK, §13.2.2.4): over the
   * dialog's flow while it is open, else resolved each time; a Via with a fresh branch added when
   * it has none yet (retransmissions keep theirs). Rejects when the peer's only flow is gone.
   */
  async sendInDialogStateless(request: SipRequest, dialog: Dialog): Promise<void> {
    const overFlow = flowTarget(this.transport, dialog.flowHop());
    if (overFlow === 'failed')
      throw new Error(`flow failed: ${dialog.remoteTarget} was reachable over it only`);
    const target = overFlow ?? (await this.transport.resolve(dialog.nextHop()));
    if (!request.topVia) addVia(request, this.transport.via(target.protocol));
    await this.transport.sendStateless(request, target);
  }
}
