import { randomUUID } from 'node:crypto';
import type { HangupSide } from '../events/index.js';
import type { CodecPolicy } from '../media/relay/index.js';
import type { CallRouter, OutboundRelay, RoutingContext } from '../routing/index.js';
import type { SipMessage, SipRequest, SipResponse } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import {
  type IncomingRequest,
  InviteClientSession,
  InviteServerSession,
  type InviteSession,
} from '../sip/ua/index.js';
import type { CallDeps, CallObserver, Side } from './b2bua-call.js';
import { CallMedia } from './call-media.js';
import { callRecordOf } from './call-record.js';
import { CallTimers } from './call-timers.js';
import { CalleeLegHost } from './callee-leg-host.js';
import { hasSdp, relayInDialog } from './in-dialog-relay.js';
import { refuseOffer } from './refuse-offer.js';
import { NORMAL_CLEARING, q850ForStatus, q850FromReason } from './status-mapping.js';
import type { Party } from './transfer-party.js';

/** What a transferred call tells the B2BUA: for events, CDRs and the live-call count. */
export type TransferredCallObserver = CallObserver<TransferredCall>;

/** A transferred call needs what a taken call does; its codecs come from its own relay session. */
export type TransferredCallDeps = Omit<CallDeps<TransferredCall>, 'codecs' | 'calleeSrtp'>;

/** How the outcome of a transfer attempt went: 2xx joined, else the status the referrer is told. */
export interface TransferOutcome {
  status: number;
  reason?: string;
}

/** A blind transfer's new call: the INVITE the routing stages decided about, and where it goes. */
export interface PlacedTarget {
  invite: SipRequest;
  targets: ForwardTarget[];
  context: RoutingContext;
  relay: OutboundRelay;
  /** The trunk's codec preference for the target side, if it is a trunk call. */
  codecs?: CodecPolicy;
}

const other = (side: Side): Side => (side === 'caller' ? 'callee' : 'caller');

/**
 * The call a transfer makes (RFC 3515, RFC 3891): the transferee's leg, moved out of the call it
 * was in, joined to the transfer target's leg — a new leg placed through the routing stages
 * (blind transfer) or the far leg of another call the B2BUA holds (attended transfer, Replaces).
 * Its media is anchored in a relay session of its own: the target's offer (from a delayed-offer
 * INVITE or re-INVITE, RFC 3725 §4.1) goes to the transferee in a re-INVITE and the transferee's
 * answer back in the target's ACK, so no leg's media ever points at the old call's relay session.
 * Once joined it relays as a B2BUA call does: re-INVITE, UPDATE, INFO and BYE across, session
 * refreshes answered, the node refreshing both legs (RFC 4028), a maximum duration. Sides: the
 * transferee is `caller`, the target `callee`; it gets its own CDR.
 */
export class TransferredCall {
  readonly id = randomUUID();
  readonly setupAt: number;
  ringingAt: number | undefined;
  answerAt: number | undefined;
  private readonly legs: Record<Side, InviteSession>;
  private readonly media: CallMedia;
  private readonly host: CalleeLegHost | undefined;
  private finalStatus = 0;
  private cause: number | undefined;
  private hangup: HangupSide | undefined;
  private joined = false;
  private completed = false;
  private finished: Promise<void> | undefined;
  /** Maximum duration, media timeout and both legs' RFC 4028 timers, once joined. */
  private readonly timers: CallTimers;
  /** The Reason of the node's own ending of the call (maximum duration, media timeout, API), for the CDR. */
  private endReason: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Set while a transfer of this call runs (transfer.ts): true when it takes that side's BYE. */
  referrerBye: ((side: Side) => boolean) | undefined;

  constructor(
    private readonly deps: TransferredCallDeps,
    transferee: InviteSession,
    target: InviteSession | PlacedTarget,
    /** Who the call is for: the referrer it was routed for (the CDR's caller) and the target. */
    readonly parties: { referrer: Party; transferee: Party; target: Party },
    /** The stages and the relay, for a later transfer of this call. */
    readonly routing: { router: CallRouter; relay: OutboundRelay } | undefined,
  ) {
    this.setupAt = deps.now();
    // (A leg of a call held already is a session; an InviteClientSession has an `invite` too.)
    if ('targets' in target) {
      this.media = new CallMedia(deps.media, this.id, target.codecs ? { toCallee: target.codecs } : {});
      this.host = new CalleeLegHost(deps.core, target.relay, target.targets, target.context, {
        source: { protocol: 'udp', ...this.ownAddress() },
        isOwnUri: deps.isOwnUri,
      });
      this.legs = { caller: transferee, callee: new InviteClientSession(this.host, target.invite) };
    } else {
      this.media = new CallMedia(deps.media, this.id, {});
      this.legs = { caller: transferee, callee: target };
    }
    this.timers = new CallTimers(deps, this.media, (reason, cause) => this.hangUp(reason, cause));
  }

  get callerCallId(): string {
    return this.legs.caller.dialog?.callId ?? '';
  }

  get calleeCallId(): string {
    const callee = this.legs.callee;
    return callee instanceof InviteClientSession ? callee.invite.callId : (callee.dialog?.callId ?? '');
  }

  get active(): boolean {
    return !this.completed;
  }

  get answered(): boolean {
    return this.answerAt !== undefined;
  }

  session(side: Side): InviteSession {
    return this.legs[side];
  }

  party(side: Side): Party {
    return side === 'caller' ? this.parties.transferee : this.parties.target;
  }

  /**
   * Blind transfer: place the target's leg (INVITE without offer) and, once it answers, move the
   * transferee's media to it. Resolves with the outcome; `progress` gets the target's 1xx.
   */
  place(progress: (status: number, reason: string) => void): Promise<TransferOutcome> {
    const target = this.legs.callee as InviteClientSession;
    this.deps.observer.initiated(this);
    return new Promise<TransferOutcome>((resolve) => {
      target.on('progress', (response) => {
        if (response.status === 100) return;
        if (this.ringingAt === undefined) {
          this.ringingAt = this.deps.now();
          this.deps.observer.ringing(this, response.status);
        }
        progress(response.status, response.reason);
      });
      target.on('rejected', (response) => {
        this.failed(response.status, 'callee', q850FromReason(response));
        resolve({ status: response.status, reason: response.reason });
      });
      target.on('accepted', (response) =>
        this.serial(async () => resolve(await this.targetAnswered(target, response))),
      );
      target.start().catch((error) => {
        this.deps.onError(error, 'transfer INVITE');
        this.failed(500, 'node');
        resolve({ status: 500 });
      });
    });
  }

  /** Stop placing the target's leg (the transferee or the referrer left meanwhile). */
  cancel(reason: string): void {
    const target = this.legs.callee;
    if (target instanceof InviteClientSession && target.state !== 'confirmed') target.cancel(reason);
  }

  /** The target's 2xx carries its offer: the transferee gets it in a re-INVITE, its answer goes in the ACK. */
  private async targetAnswered(target: InviteClientSession, response: SipResponse): Promise<TransferOutcome> {
    if (!hasSdp(response)) {
      // §13.2.1: a 2xx to an INVITE without offer must carry one.
      target.ack({});
      this.abort(488);
      return { status: 488, reason: 'Not Acceptable Here' };
    }
    const outcome = await this.moveMedia(response.body, (answer) =>
      target.ack(answer ? { body: answer } : {}),
    );
    if (outcome.status >= 300) this.abort(outcome.status);
    return outcome;
  }

  /**
   * Attended transfer: the two legs exist already; the target is asked for a fresh offer by a
   * re-INVITE without SDP (RFC 3725 §4.1), which goes to the transferee as above.
   */
  async connect(): Promise<TransferOutcome> {
    this.deps.observer.initiated(this);
    const target = this.legs.callee;
    let asked: Awaited<ReturnType<InviteSession['reinviteForOffer']>>;
    try {
      asked = await target.reinviteForOffer();
    } catch {
      this.failed(491, 'node');
      return { status: 491 };
    }
    const { response, ack } = asked;
    if (response.status >= 300) {
      this.failed(response.status, 'callee');
      return { status: response.status, reason: response.reason };
    }
    if (!hasSdp(response)) {
      ack({});
      this.failed(488, 'callee');
      return { status: 488 };
    }
    const outcome = await this.moveMedia(response.body, (answer) =>
      // Refused by the transferee: the target keeps the SDP it had (still a valid answer for it).
      ack(answer ? { body: answer } : target.localSdp ? { body: target.localSdp } : {}),
    );
    if (outcome.status >= 300) this.failed(outcome.status, 'caller');
    return outcome;
  }

  /**
   * An INVITE with Replaces (RFC 3891 §3) took the place of one of our legs: the new leg (this
   * call's target, a UAS session not answered yet) and the replaced leg's peer (the transferee)
   * do offer/answer through this call's relay session — the INVITE's offer to the transferee in a
   * re-INVITE and its answer in our 2xx, or without an offer the transferee's (asked by a
   * re-INVITE without SDP) in our 2xx and the ACK's answer back to it.
   */
  async answerReplacing(): Promise<TransferOutcome> {
    const replacing = this.legs.callee as InviteServerSession;
    const transferee = this.legs.caller;
    this.deps.observer.initiated(this);
    const offer = replacing.invite;
    try {
      if (hasSdp(offer)) {
        const outcome = await this.moveMedia(
          offer.body,
          (answer) => {
            if (answer) replacing.accept({ body: answer });
          },
          'callee',
        );
        if (outcome.status >= 300) {
          replacing.reject(outcome.status, { headers: [['reason', `SIP;cause=${outcome.status}`]] });
          this.failed(outcome.status, 'caller');
        }
        return outcome;
      }
      const { response, ack } = await transferee.reinviteForOffer();
      if (response.status >= 300 || !hasSdp(response)) {
        if (response.status < 300) ack(transferee.localSdp ? { body: transferee.localSdp } : {});
        replacing.reject(488);
        this.failed(488, 'caller');
        return { status: 488 };
      }
      const sdp = await this.media.offer(response.body, this.tag('caller'), true, 'caller');
      const answered = new Promise<SipMessage | undefined>((resolve) => {
        replacing.once('ack', resolve);
        replacing.once('terminated', () => resolve(undefined));
      });
      replacing.accept({ body: sdp });
      const ackMessage = await answered;
      if (!ackMessage || !hasSdp(ackMessage)) {
        ack(transferee.localSdp ? { body: transferee.localSdp } : {});
        return { status: 488 };
      }
      ack({
        body: await this.media.answer(ackMessage.body, this.tag('caller'), this.tag('callee'), 'callee'),
      });
    } catch (error) {
      this.deps.onError(error, 'replacing INVITE');
      replacing.reject(500);
      this.failed(500, 'node');
      return { status: 500 };
    }
    this.finalStatus = 200;
    return { status: 200, reason: 'OK' };
  }

  /** The target's offer through this call's relay session to the transferee, its answer back. */
  private async moveMedia(
    offer: Buffer,
    ackTarget: (answer: Buffer | undefined) => void,
    label: Side = 'callee',
  ): Promise<TransferOutcome> {
    const transferee = this.legs.caller;
    const targetTag = this.tag('callee');
    if (transferee.state !== 'confirmed') {
      ackTarget(undefined);
      return { status: 487, reason: 'Request Terminated' };
    }
    let reply: SipResponse;
    try {
      const sdp = await this.media.offer(offer, targetTag, false, label);
      reply = await transferee.reinvite({ body: sdp });
    } catch (error) {
      this.deps.onError(error, 'transfer re-INVITE');
      ackTarget(undefined);
      return { status: 500, reason: 'Transferee busy with another INVITE' };
    }
    if (reply.status >= 300 || !hasSdp(reply)) {
      ackTarget(undefined);
      const status = reply.status >= 300 ? reply.status : 488;
      return { status, reason: 'Transferee refused the new media' };
    }
    try {
      const answer = await this.media.answer(reply.body, targetTag, this.tag('caller'), 'caller');
      ackTarget(answer);
    } catch (error) {
      this.deps.onError(error, 'transfer media answer');
      ackTarget(undefined);
      return { status: 500, reason: 'Media relay refused the answer' };
    }
    this.finalStatus = 200;
    return { status: 200, reason: 'OK' };
  }

  /**
   * The transfer succeeded and the old call let go of the transferee's leg: from now on this call
   * owns both legs (their in-dialog requests, BYE, session timers) and is answered.
   */
  join(): void {
    if (this.joined || this.completed) return;
    this.joined = true;
    this.answerAt = this.deps.now();
    for (const side of ['caller', 'callee'] as const) this.watch(side);
    this.deps.observer.answered(this);
    if (this.deps.sessionExpires > 0) for (const side of ['caller', 'callee'] as const) this.startTimer(side);
    this.timers.answered();
    // A leg that ended while the transfer completed: the other goes too.
    for (const side of ['caller', 'callee'] as const) {
      if (this.legs[side].state === 'terminated') this.legGone(side);
    }
  }

  /** End the call from the node's side (API hang-up, maximum duration, shutdown). */
  hangUp(reason = 'SIP;cause=200;text="Call ended by the node"', cause = NORMAL_CLEARING): void {
    if (this.completed) return;
    this.hangup ??= 'node';
    this.cause ??= cause;
    this.endReason ??= reason;
    const headers: Array<[string, string]> = [['reason', reason]];
    if (!this.joined) {
      this.cancel(reason);
      const target = this.legs.callee;
      if (target.state === 'confirmed') void target.bye({ headers });
      this.finish();
      return;
    }
    void this.legs.caller.bye({ headers });
    void this.legs.callee.bye({ headers });
  }

  /** Transferred again: this call lets go of its legs and is recorded as ended by the referrer's side. */
  transferredAway(referrer: Side): void {
    if (this.completed) return;
    this.hangup ??= referrer;
    this.cause ??= NORMAL_CLEARING;
    this.legs.caller.removeAllListeners();
    this.legs.callee.removeAllListeners();
    this.finish();
  }

  /** The node stops: recorded as it stands. */
  abandon(): Promise<void> {
    this.hangup ??= 'node';
    this.finish();
    return this.finished ?? Promise.resolve();
  }

  // ---- joined: the legs' requests --------------------------------------------------------

  private watch(side: Side): void {
    const leg = this.legs[side];
    leg.removeAllListeners();
    leg.on('bye', (bye) => {
      this.hangup ??= side;
      this.cause ??= q850FromReason(bye) ?? NORMAL_CLEARING;
      if (this.referrerBye?.(side)) return;
      const reason = bye.get('reason');
      void this.legs[other(side)].bye(reason ? { headers: [['reason', reason]] } : {});
    });
    for (const method of ['reinvite', 'update', 'info'] as const) {
      leg.on(method, (incoming) => this.relayRequest(side, incoming));
    }
    leg.on('request', (incoming) => {
      if (this.deps.otherRequest) this.deps.otherRequest(this, side, incoming);
      else incoming.respond(incoming.method === 'OPTIONS' ? 200 : 405);
    });
    leg.on('terminated', () => this.legGone(side));
  }

  /** A leg ended (BYE either way, 481, no ACK): the other is ended too, then the record. */
  private legGone(side: Side): void {
    const peer = this.legs[other(side)];
    if (peer.state !== 'terminated') {
      if (this.referrerBye?.(side)) return;
      this.hangup ??= side;
      // The node's own ending (hangUp) ends one leg first: the other gets the same Reason.
      void peer.bye(this.endReason ? { headers: [['reason', this.endReason]] } : {});
      return;
    }
    this.finish();
  }

  /** RFC 3311 / §14: one leg's re-INVITE, UPDATE or INFO as the same request on the other. */
  private relayRequest(from: Side, incoming: IncomingRequest): void {
    const own = this.legs[from];
    const peer = this.legs[other(from)];
    const request = incoming.request;
    if (incoming.method !== 'INFO' && request.body.length === 0) {
      // RFC 4028 §10: a session refresh, answered on its own leg with the SDP that leg has.
      const sdp = own.localSdp;
      if (incoming.method === 'INVITE' && !sdp) {
        incoming.respond(488);
        return;
      }
      this.timers.session(from)?.refreshed();
      incoming.respond(200, incoming.method === 'INVITE' && sdp ? { body: sdp } : {});
      return;
    }
    if (peer.state !== 'confirmed' && peer.state !== 'accepted') {
      incoming.respond(500, { headers: [['retry-after', '1']] });
      return;
    }
    this.serial(
      () =>
        relayInDialog(incoming, peer, {
          headers: this.deps.headers,
          media: this.media,
          from,
          fromTag: this.tag(from),
          toTag: this.tag(other(from)),
          refreshed: () => {
            this.timers.session(from)?.refreshed();
            return [];
          },
        }),
      refuseOffer(incoming),
    );
  }

  /** The node refreshes each leg at half the interval (RFC 4028 §10; extra refreshes are harmless). */
  private startTimer(side: Side): void {
    const session = this.legs[side];
    const interval = this.deps.sessionExpires;
    const headers: Array<[string, string]> = [
      ['supported', 'timer'],
      ['session-expires', `${interval};refresher=uac`],
    ];
    this.timers.startSession(side, { interval, weRefresh: true }, async () => {
      const sdp = session.localSdp;
      const response = sdp
        ? await session.reinvite({ headers, body: sdp })
        : await session.update({ headers });
      return response.status;
    });
  }

  // ---- the end ---------------------------------------------------------------------------

  /** The transfer failed before the call was joined: its record says how. */
  private failed(status: number, side: HangupSide, cause?: number): void {
    this.finalStatus = status;
    this.hangup ??= side;
    this.cause ??= cause ?? q850ForStatus(status);
    this.finish();
  }

  /** The target answered but its media could not be joined: its leg ends with BYE. */
  private abort(status: number): void {
    const target = this.legs.callee;
    void target.bye({ headers: [['reason', `SIP;cause=${status};text="Transfer failed"`]] });
    this.failed(status, 'node');
  }

  private finish(): void {
    if (this.completed) return;
    this.completed = true;
    this.timers.stop();
    this.host?.close();
    const endAt = this.deps.now();
    const answerAt = this.answerAt;
    const finalStatus = this.finalStatus;
    this.finished = this.media.end().then((media) => {
      const { referrer, target } = this.parties;
      const record = callRecordOf({
        id: this.id,
        callerCallId: this.callerCallId,
        calleeCallId: this.calleeCallId,
        caller: referrer.aor?.aor ?? referrer.identity.uri.toString(),
        callee: target.aor?.aor ?? target.identity.uri.toString(),
        sourceTrunk: referrer.trunk?.name,
        trunk: target.trunk?.name,
        setupAt: this.setupAt,
        ringingAt: this.ringingAt,
        answerAt,
        endAt,
        finalStatus,
        cause: this.cause,
        hangup: this.hangup,
        callerCancelled: false,
        media,
        endReason: this.endReason,
      });
      this.deps.observer.completed(this, record);
    });
  }

  /** The tag the relay session knows a leg by: the remote party's dialog tag (the From tag of an INVITE we answer). */
  private tag(side: Side): string {
    const leg = this.legs[side];
    return (
      leg.dialog?.remoteTag ?? (leg instanceof InviteServerSession ? leg.invite.from.tag : undefined) ?? side
    );
  }

  /** Runs `step` after the call's earlier ones; a failure is logged and given to `failed`. */
  private serial(step: () => Promise<void>, failed?: () => void): void {
    this.queue = this.queue.then(step).catch((error) => {
      this.deps.onError(error, 'transferred call step');
      failed?.();
    });
  }

  private ownAddress(): { address: string; port: number } {
    const via = this.deps.core.transport.via('udp');
    return { address: via.host, port: via.port };
  }
}
