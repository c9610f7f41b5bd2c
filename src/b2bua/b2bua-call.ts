import { randomUUID } from 'node:crypto';
import type { HangupSide } from '../events/index.js';
import type { CodecPolicy, MediaRelay } from '../media/relay/index.js';
import type { TakenCall } from '../routing/index.js';
import type { SipMessage, SipResponse, Uri } from '../sip/message/index.js';
import {
  type IncomingRequest,
  InviteClientSession,
  type InviteServerSession,
  type InviteSession,
  type UserAgentCore,
} from '../sip/ua/index.js';
import type { SrtpChoice } from '../store/index.js';
import { NoCommonCodecError } from './call-codecs.js';
import { CallMedia, trunkCodecOrder } from './call-media.js';
import { type CallRecord, callRecordOf } from './call-record.js';
import { CallTimers } from './call-timers.js';
import { CalleeLegHost } from './callee-leg-host.js';
import { EarlyDialogs } from './early-dialogs.js';
import type { HeaderPolicy } from './header-policy.js';
import { hasSdp, type InDialogRelay, relayInDialog } from './in-dialog-relay.js';
import { refuseOffer } from './refuse-offer.js';
import {
  MIN_SESSION_EXPIRES,
  parseSessionExpires,
  type SessionExpires,
  supportsTimer,
} from './session-timer.js';
import {
  callerStatusFor,
  NORMAL_CLEARING,
  q850ForStatus,
  q850FromReason,
  reasonFor,
} from './status-mapping.js';

/**
 * What a call tells the B2BUA as it goes: for events, CDRs and the live-call count. `C` is the
 * call's class (a taken call, or the call a transfer made: transferred-call.ts).
 */
export interface CallObserver<C = B2buaCall> {
  initiated(call: C): void;
  ringing(call: C, status: number): void;
  answered(call: C): void;
  completed(call: C, record: CallRecord): void;
}

/** What a call of class `C` needs of the node. */
export interface CallDeps<C = B2buaCall> {
  core: UserAgentCore;
  headers: HeaderPolicy;
  media: MediaRelay | undefined;
  isOwnUri: (uri: Uri) => boolean;
  observer: CallObserver<C>;
  now: () => number;
  /** ms an answered call may last before the node ends it (0: no limit). */
  maxDuration: number;
  /** RFC 4028 session interval in seconds on both legs (0: no session timers). */
  sessionExpires: number;
  /** ms an answered call's relay may see no RTP before the node ends it (0 or absent: never). */
  mediaTimeout?: number;
  /** Codec policy of the SDP each side receives (src/b2bua/call-plan.ts); absent: the trunk's codec order. */
  codecs?: { toCallee?: CodecPolicy; toCaller?: CodecPolicy };
  /** The callee leg's SRTP (the called side's call policy); absent: plain RTP/AVP. */
  calleeSrtp?: SrtpChoice;
  onError: (error: unknown, context: string) => void;
  /** In-dialog requests the legs do not relay: REFER (transfer.ts), OPTIONS, the rest 405. */
  otherRequest?: (call: C, side: Side, incoming: IncomingRequest) => void;
}

export type Side = 'caller' | 'callee';

/**
 * One call the B2BUA holds: the caller's leg (UAS, the INVITE the routing stages decided about)
 * and one callee leg (UAC: a new INVITE with its own Call-ID, tags, Via and Contact, placed
 * through the relay to the stages' targets, so forking and failover are the proxy's). Only the
 * header policy's headers and the SDP (through the media relay when there is one) cross between
 * them. Provisionals and the final answer go back to the caller (failures mapped, with Reason);
 * CANCEL and BYE go across; re-INVITE, UPDATE and INFO are relayed as new requests on the other
 * leg, offer/answer through the media relay. Reliable provisionals (RFC 3262) are each leg's own,
 * and UPDATE crosses early dialogs too (src/b2bua/early-dialogs.ts).
 */
export class B2buaCall {
  readonly id = randomUUID();
  readonly caller: InviteServerSession;
  readonly callee: InviteClientSession;
  readonly setupAt: number;
  ringingAt: number | undefined;
  answerAt: number | undefined;
  private readonly media: CallMedia;
  private readonly host: CalleeLegHost;
  private readonly early: EarlyDialogs;
  private readonly callerTag: string;
  private calleeTag = '';
  /** The callee's 2xx carried the offer (the caller's INVITE had none): the caller's ACK answers. */
  private offerInAnswer = false;
  private finalStatus = 0;
  private cause: number | undefined;
  private hangup: HangupSide | undefined;
  private callerCancelled = false;
  private completed = false;
  /** Settles once the call's record went to the observer. */
  private finished: Promise<void> | undefined;
  /** Maximum duration, media timeout and the legs' RFC 4028 timers, once answered. */
  private readonly timers: CallTimers;
  /** Callee-leg events are handled one after another (the media relay is asynchronous). */
  private queue: Promise<void> = Promise.resolve();
  /** Set while a transfer runs (transfer.ts): true when it takes that side's BYE (RFC 5589 §6). */
  referrerBye: ((side: Side) => boolean) | undefined;

  constructor(
    private readonly deps: CallDeps,
    readonly taken: TakenCall,
  ) {
    this.setupAt = deps.now();
    const request = taken.request;
    this.callerTag = request.from.tag ?? '';
    this.caller = deps.core.acceptInvite(request, taken.transaction);
    this.media = new CallMedia(deps.media, this.id, deps.codecs ?? trunkCodecOrder(taken), deps.calleeSrtp);
    this.timers = new CallTimers(deps, this.media, (reason, cause) => this.hangUp(reason, cause));
    this.host = new CalleeLegHost(deps.core, taken.relay, taken.targets, taken.context, {
      source: { protocol: 'udp', ...this.ownAddress() },
      isOwnUri: deps.isOwnUri,
    });
    const invite = deps.core.createRequest('INVITE', {
      to: request.to,
      from: request.from,
      requestUri: request.uri,
      headers: [
        ...deps.headers.pick(request),
        ...this.offeredTimer(),
        ...EarlyDialogs.calleeInviteHeaders(request),
      ],
    });
    // The relay takes one from it, as it would from the caller's (loops still end, §16.6 item 3).
    invite.set('max-forwards', String(request.maxForwards ?? 70));
    this.callee = new InviteClientSession(this.host, invite);
    this.early = new EarlyDialogs(request, this.caller, this.callee, {
      media: this.media,
      serial: (step) => this.serial(step),
      tags: () => ({ caller: this.callerTag, callee: this.calleeTag }),
    });
  }

  /** RFC 4028 §7.1: the callee leg's INVITE asks for session timers, the B2BUA refreshing. */
  private offeredTimer(): Array<[string, string]> {
    const interval = this.deps.sessionExpires;
    if (interval <= 0) return [];
    return [
      ['supported', 'timer'],
      ['session-expires', `${interval};refresher=uac`],
      ['min-se', String(MIN_SESSION_EXPIRES)],
    ];
  }

  /**
   * RFC 4028 §9: the caller's session interval and refresher for our 2xx: the caller's own when it
   * supports timers (it refreshes unless it asked us to), else ours with the B2BUA refreshing.
   */
  private callerTimer(): (SessionExpires & { weRefresh: boolean }) | undefined {
    if (this.deps.sessionExpires <= 0) return undefined;
    const request = this.taken.request;
    const asked = parseSessionExpires(request);
    const interval = Math.max(MIN_SESSION_EXPIRES, asked?.interval ?? this.deps.sessionExpires);
    const refresher = supportsTimer(request) ? (asked?.refresher ?? 'uac') : 'uas';
    return { interval, refresher, weRefresh: refresher === 'uas' };
  }

  /** Start a leg's session timer; its refresh is UPDATE when the peer allows it, else re-INVITE. */
  private startTimer(side: Side, expires: SessionExpires & { weRefresh: boolean }, peer: SipMessage): void {
    const session: InviteSession = side === 'caller' ? this.caller : this.callee;
    const allowsUpdate = peer.getAll('allow').some((method) => method.trim().toUpperCase() === 'UPDATE');
    const headers: Array<[string, string]> = [
      ['supported', 'timer'],
      ['session-expires', `${expires.interval};refresher=uac`],
    ];
    this.timers.startSession(side, expires, async () => {
      this.refreshing.add(side);
      const sdp = session.localSdp;
      const response =
        allowsUpdate || !sdp
          ? await session.update({ headers })
          : await session.reinvite({ headers, body: sdp });
      this.refreshing.delete(side);
      return response.status;
    });
  }

  /** Session-Expires for our 2xx to a leg's refresh: `uac` when the peer is that leg's refresher. */
  private refreshAnswer(side: Side): Array<[string, string]> {
    const timer = this.timers.session(side);
    if (!timer) return [];
    timer.refreshed();
    const interval = side === 'caller' ? this.callerTimer()?.interval : this.calleeInterval;
    return interval ? [['session-expires', `${interval};refresher=${timer.weRefresh ? 'uas' : 'uac'}`]] : [];
  }

  private calleeInterval: number | undefined;
  /** Legs with a session refresh of ours in flight: their 481/408 is the session timer's failure. */
  private readonly refreshing = new Set<Side>();
  /** The Reason of the node's own ending of the call, for the other leg's BYE. */
  private endReason: string | undefined;

  /** RFC 4028 §10: a refresh got 408 (no answer) or 481 — the session is over, ended by the node. */
  private refreshFailed(session: InviteSession): void {
    this.hangup ??= 'node';
    this.cause ??= 102;
    const status = session.lastFailure === 408 ? 408 : 481;
    this.endReason ??= `SIP;cause=${status};text="Session refresh failed"`;
  }

  get callerCallId(): string {
    return this.taken.request.callId;
  }

  get calleeCallId(): string {
    return this.callee.invite.callId;
  }

  /** Whether the call is still up (either leg). */
  get active(): boolean {
    return !this.completed;
  }

  /** Start the callee leg: the caller's offer through the media relay, then the INVITE. */
  async start(): Promise<void> {
    this.watchCaller();
    this.watchCallee();
    this.deps.observer.initiated(this);
    const offer = this.taken.request;
    try {
      if (hasSdp(offer)) {
        const sdp = await this.media.offer(offer.body, this.callerTag, true, 'caller');
        this.callee.invite.setBody(sdp, 'application/sdp');
        this.callee.localSdp = this.callee.invite.body;
      }
    } catch (error) {
      this.deps.onError(error, 'media offer');
      const reason = error instanceof NoCommonCodecError ? error.reason : undefined;
      this.failBeforeCallee(488, reason ?? 'SIP;cause=488;text="Media relay refused the offer"');
      return;
    }
    if (this.caller.state === 'terminated') {
      this.finish();
      return;
    }
    await this.callee.start();
  }

  /** End the call from the node's side (API hang-up, maximum duration, shutdown). */
  hangUp(reason = 'SIP;cause=200;text="Call ended by the node"', cause = NORMAL_CLEARING): void {
    if (this.completed) return;
    this.hangup ??= 'node';
    this.cause ??= cause;
    this.endReason ??= reason;
    const headers: Array<[string, string]> = [['reason', reason]];
    if (this.answerAt === undefined) {
      this.finalStatus = 480;
      this.callee.cancel(reason);
      this.caller.reject(480, { headers });
      return;
    }
    void this.callee.bye({ headers });
    void this.caller.bye({ headers });
  }

  // ---- the caller's leg ------------------------------------------------------------------

  private watchCaller(): void {
    const caller = this.caller;
    caller.on('cancelled', (cancel) => {
      this.callerCancelled = true;
      this.hangup ??= 'caller';
      this.finalStatus = 487;
      this.cause ??= q850FromReason(cancel) ?? NORMAL_CLEARING;
      const reason = cancel.get('reason');
      this.callee.cancel(reason);
    });
    caller.on('bye', (bye) => {
      this.hangup ??= 'caller';
      this.cause ??= q850FromReason(bye) ?? NORMAL_CLEARING;
      if (this.referrerBye?.('caller')) return;
      this.endCallee(bye.get('reason'));
    });
    caller.on('ack', (ack) => {
      if (!this.offerInAnswer) return;
      this.offerInAnswer = false;
      this.serial(async () => {
        const body = hasSdp(ack)
          ? await this.media.answer(ack.body, this.calleeTag, this.callerTag, 'caller')
          : undefined;
        if (this.callee.state === 'confirmed') this.callee.ack(body ? { body } : {});
      });
    });
    for (const method of ['reinvite', 'update', 'info'] as const) {
      caller.on(method, (incoming) => this.relayRequest('caller', incoming));
    }
    const otherRequest = this.deps.otherRequest;
    if (otherRequest) caller.on('request', (incoming) => otherRequest(this, 'caller', incoming));
    caller.on('terminated', (cause) => {
      // The caller's leg ended by itself (no ACK for our 2xx, a 481, no PRACK): the callee's goes too.
      if (cause === 'prack-timeout') {
        // RFC 3262 §3: our 18x went unacknowledged; a 2xx held for its PRACK never left.
        this.finalStatus = 504;
        this.answerAt = undefined;
      }
      if (cause === 'ack-timeout' || cause === 'dialog-gone' || cause === 'prack-timeout') {
        if (this.refreshing.has('caller')) this.refreshFailed(caller);
        else this.hangup ??= 'caller';
        this.endCallee(this.endReason);
      }
      this.legEnded();
    });
  }

  private endCallee(reason?: string): void {
    const callee = this.callee;
    if (callee.state === 'terminated') return;
    if (callee.state === 'confirmed') void callee.bye(reason ? { headers: [['reason', reason]] } : {});
    else callee.cancel(reason);
  }

  // ---- the callee's leg ------------------------------------------------------------------

  private watchCallee(): void {
    const callee = this.callee;
    callee.on('progress', (response) => {
      if (response.status === 100) return;
      this.serial(() => this.calleeProgress(response));
    });
    callee.on('accepted', (response) => this.serial(() => this.calleeAccepted(response)));
    callee.on('rejected', (response) => this.serial(async () => this.calleeRejected(response)));
    callee.on('bye', (bye) => {
      this.hangup ??= 'callee';
      this.cause ??= q850FromReason(bye) ?? NORMAL_CLEARING;
      if (this.referrerBye?.('callee')) return;
      const reason = bye.get('reason');
      void this.caller.bye(reason ? { headers: [['reason', reason]] } : {});
    });
    for (const method of ['reinvite', 'update', 'info'] as const) {
      callee.on(method, (incoming) => this.relayRequest('callee', incoming));
    }
    const otherRequest = this.deps.otherRequest;
    if (otherRequest) callee.on('request', (incoming) => otherRequest(this, 'callee', incoming));
    callee.on('terminated', (cause) => {
      if ((cause === 'ack-timeout' || cause === 'dialog-gone') && this.caller.state !== 'terminated') {
        if (this.refreshing.has('callee')) this.refreshFailed(callee);
        else this.hangup ??= 'callee';
        void this.caller.bye(this.endReason ? { headers: [['reason', this.endReason]] } : {});
      }
      this.legEnded();
    });
  }

  private async calleeProgress(response: SipResponse): Promise<void> {
    if (this.caller.answered || this.caller.state === 'terminated') return;
    if (response.to.tag) this.calleeTag = response.to.tag;
    const status = response.status;
    if (this.ringingAt === undefined) {
      this.ringingAt = this.deps.now();
      this.deps.observer.ringing(this, status);
    }
    const headers = this.deps.headers.pick(response);
    if (await this.early.relayOffer(response, headers)) return;
    const reliable = this.early.reliableToCaller(response);
    // Early media (RFC 3960): the 18x's SDP is the callee's answer to the caller's offer.
    if (hasSdp(response) && hasSdp(this.taken.request)) {
      const body = await this.media.answer(response.body, this.callerTag, this.calleeTag, 'callee');
      this.caller.progress(status, { body, headers, reliable });
      return;
    }
    this.caller.progress(status, { headers, reliable });
  }

  private async calleeAccepted(response: SipResponse): Promise<void> {
    this.calleeTag = response.to.tag ?? this.calleeTag;
    if (this.caller.state === 'terminated' || this.caller.answered) {
      // The caller gave up as the callee answered: the callee's leg ends too.
      void this.callee.bye();
      return;
    }
    const headers = this.deps.headers.pick(response);
    let body: Buffer | undefined;
    try {
      if (hasSdp(response)) {
        if (hasSdp(this.taken.request)) {
          body = await this.media.answer(response.body, this.callerTag, this.calleeTag, 'callee');
        } else if (this.early.earlySdp) {
          body = this.early.earlySdp; // RFC 3262 §5: offer and answer went in the 18x and PRACK
        } else {
          // Delayed offer (§13.2.1): the callee's 2xx offers, the caller's ACK will answer.
          body = await this.media.offer(response.body, this.calleeTag, false, 'callee');
          this.offerInAnswer = true;
        }
      }
    } catch (error) {
      this.deps.onError(error, 'media answer');
      this.hangup = 'node';
      this.finalStatus = 488;
      this.cause = q850ForStatus(488);
      void this.callee.bye({ headers: [['reason', 'SIP;cause=488;text="Media relay refused the answer"']] });
      this.caller.reject(488, { headers: [['reason', 'SIP;cause=488']] });
      return;
    }
    this.answerAt = this.deps.now();
    this.finalStatus = 200;
    const callerTimer = this.callerTimer();
    if (callerTimer) {
      headers.push(['session-expires', `${callerTimer.interval};refresher=${callerTimer.refresher}`]);
      if (callerTimer.refresher === 'uac') headers.push(['require', 'timer']);
    }
    this.caller.accept(body ? { body, headers } : { headers });
    if (callerTimer) this.startTimer('caller', callerTimer, this.taken.request);
    if (this.deps.sessionExpires > 0) {
      // §7.2: the callee's 2xx says who refreshes; without Session-Expires the B2BUA still does.
      const granted = parseSessionExpires(response);
      const interval = granted?.interval ?? this.deps.sessionExpires;
      this.calleeInterval = interval;
      this.startTimer('callee', { interval, weRefresh: (granted?.refresher ?? 'uac') === 'uac' }, response);
    }
    this.deps.observer.answered(this);
    this.timers.answered();
  }

  private calleeRejected(response: SipResponse): void {
    if (this.callerCancelled || this.caller.answered || this.caller.state === 'terminated') return;
    const status = callerStatusFor(response.status);
    // An unasked-for 487 is a timeout (callerStatusFor): recorded as the 408 the caller gets.
    this.finalStatus = response.status === 487 ? status : response.status;
    this.hangup ??= 'callee';
    this.cause ??= q850FromReason(response) ?? q850ForStatus(this.finalStatus);
    const headers: Array<[string, string]> = [
      ...this.deps.headers.pick(response),
      [
        'reason',
        response.status === 487
          ? reasonFor(response, 408, 'No answer')
          : reasonFor(response, response.status, response.reason),
      ],
    ];
    const retryAfter = response.get('retry-after');
    if (retryAfter !== undefined && (status === 503 || status === 486 || status === 480)) {
      headers.push(['retry-after', retryAfter]);
    }
    this.caller.reject(status, { headers });
  }

  /** The node could not place the callee leg: the caller gets `status`. */
  private failBeforeCallee(status: number, reason: string): void {
    this.finalStatus = status;
    this.hangup = 'node';
    this.cause = q850ForStatus(status);
    this.caller.reject(status, { headers: [['reason', reason]] });
    this.finish();
  }

  // ---- in-dialog requests ----------------------------------------------------------------

  /**
   * A re-INVITE, UPDATE or INFO from one leg becomes the same request on the other (RFC 3311,
   * RFC 6086), its offer and answer through the media relay; the other leg's answer comes back.
   * A leg already busy with an INVITE gets 491 (§14.1 glare: the caller retries after a pause).
   */
  private relayRequest(from: Side, incoming: IncomingRequest): void {
    const other: InviteSession = from === 'caller' ? this.callee : this.caller;
    const request = incoming.request;
    if (incoming.method !== 'INFO' && request.body.length === 0) {
      // A session refresh without offer (RFC 4028 §10): answered on its own leg, a re-INVITE with
      // the SDP that leg has (§14.2); the leg's session timer starts again.
      const sdp = from === 'caller' ? this.caller.localSdp : this.callee.localSdp;
      if (incoming.method === 'INVITE' && !sdp) {
        incoming.respond(488);
        return;
      }
      const headers = this.refreshAnswer(from);
      incoming.respond(200, incoming.method === 'INVITE' && sdp ? { body: sdp, headers } : { headers });
      return;
    }
    if (
      other.state !== 'confirmed' &&
      other.state !== 'accepted' &&
      !this.early.takesUpdate(incoming, other)
    ) {
      // RFC 3311 §5.2: the other leg cannot take it yet; the sender may retry.
      incoming.respond(500, { headers: [['retry-after', '1']] });
      return;
    }
    const relay: InDialogRelay = {
      headers: this.deps.headers,
      media: this.media,
      from,
      fromTag: from === 'caller' ? this.callerTag : this.calleeTag,
      toTag: from === 'caller' ? this.calleeTag : this.callerTag,
      refreshed: () => this.refreshAnswer(from),
    };
    this.serial(() => relayInDialog(incoming, other, relay), refuseOffer(incoming));
  }

  // ---- the end ---------------------------------------------------------------------------

  private legEnded(): void {
    if (this.caller.state === 'terminated' && this.callee.state === 'terminated') this.finish();
    else if (this.caller.state === 'terminated' && this.callee.state === 'initial') this.finish();
  }

  /**
   * A transfer (transfer.ts) moved the other leg into a new call: the legs are no longer watched
   * (the transfer ends the referrer's with BYE) and the record says the referrer's side hung up.
   */
  transferredAway(referrer: Side): void {
    if (this.completed) return;
    this.hangup ??= referrer;
    this.cause ??= NORMAL_CLEARING;
    this.caller.removeAllListeners();
    this.callee.removeAllListeners();
    this.finish();
  }

  /** The end of a call the node cannot wait for (it stops): recorded as it stands now. */
  abandon(): Promise<void> {
    this.hangup ??= 'node';
    this.finish();
    return this.finished ?? Promise.resolve();
  }

  private finish(): void {
    if (this.completed) return;
    this.completed = true;
    this.timers.stop();
    this.host.close();
    const endAt = this.deps.now();
    const answerAt = this.answerAt;
    const finalStatus = this.finalStatus;
    const context = this.taken.context;
    const caller = context.caller?.aor ?? this.taken.request.from.uri.toString();
    this.finished = this.media.end().then((media) => {
      const record = callRecordOf({
        id: this.id,
        callerCallId: this.callerCallId,
        calleeCallId: this.calleeCallId,
        caller,
        callee: this.taken.request.uri.toString(),
        sourceTrunk: context.trunk?.name,
        trunk: context.trunkCall?.trunk?.name,
        setupAt: this.setupAt,
        ringingAt: this.ringingAt,
        answerAt,
        endAt,
        finalStatus,
        cause: this.cause,
        hangup: this.hangup,
        callerCancelled: this.callerCancelled,
        media,
        endReason: this.endReason,
      });
      this.deps.observer.completed(this, record);
    });
  }

  /** Runs `step` after the call's earlier ones; a failure is logged and given to `failed`. */
  private serial(step: () => Promise<void>, failed?: () => void): void {
    this.queue = this.queue.then(step).catch((error) => {
      this.deps.onError(error, 'call step');
      failed?.();
    });
  }

  private ownAddress(): { address: string; port: number } {
    const via = this.deps.core.transport.via('udp');
    return { address: via.host, port: via.port };
  }
}
