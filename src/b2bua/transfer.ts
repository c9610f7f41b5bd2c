import type { CallRouter, OutboundRelay } from '../routing/index.js';
import { RoutingContext } from '../routing/index.js';
import { createResponse, NameAddress, type SipRequest } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { ServerTransaction, TerminationReason } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { IncomingRequest, InviteSession } from '../sip/ua/index.js';
import type { Refusal } from './admission.js';
import { B2buaCall, type Side } from './b2bua-call.js';
import { refusalText } from './call-admission.js';
import { ReferSubscription } from './refer-subscription.js';
import { parseReferTo, parseReplaces, type Replaces } from './refer-to.js';
import { MIN_SESSION_EXPIRES } from './session-timer.js';
import { type Party, partyOf } from './transfer-party.js';
import { type TransferOutcome, TransferredCall, type TransferredCallDeps } from './transferred-call.js';

/** A call the B2BUA holds, either kind. */
export type HeldCall = B2buaCall | TransferredCall;

/** How a call was transferred: REFER to a target, REFER with Replaces, INVITE with Replaces. */
export type TransferKind = 'blind' | 'attended' | 'replaces';

/** Admission control and recording policies for the calls transfers make (held-call-policies.ts). */
export interface TransferPolicy {
  /**
   * A blind transfer's new call, routed as the referrer's: planned and admitted as a new call
   * would be (`from`: the call being transferred); a function that ties the admission to the
   * call once made, or the refusal.
   */
  admitTransfer(
    from: HeldCall,
    invite: SipRequest,
    context: RoutingContext,
    targets: ForwardTarget[],
  ): Promise<((call: TransferredCall) => void) | Refusal>;
  /** An attended transfer or a Replaces joined legs of held calls: `to` goes on with `from`'s count and recording. */
  carry(from: HeldCall, to: TransferredCall): void;
}

export interface TransfersDeps extends Omit<TransferredCallDeps, 'otherRequest'> {
  /** The calls the B2BUA holds (for the dialog a Replaces names). */
  calls(): Iterable<HeldCall>;
  /** Admission control and recording policies for transfers' calls; absent: none apply. */
  policy?: TransferPolicy;
  /** A transfer that was accepted (202, or the INVITE taken) ended: for /metrics. */
  transferred?(kind: TransferKind, result: 'completed' | 'failed'): void;
}

/** How a transfer sees a call of either kind. */
interface Transferable {
  readonly call: HeldCall;
  session(side: Side): InviteSession;
  party(side: Side): Party;
  readonly routing: { router: CallRouter; relay: OutboundRelay } | undefined;
}

const other = (side: Side): Side => (side === 'caller' ? 'callee' : 'caller');

/** Where the routing stages' trunk dialer learns the transfer's INVITE is no longer in progress. */
class RoutingTicket implements ServerTransaction {
  readonly id: string;
  readonly isInvite = true;
  state: ServerTransaction['state'] = 'trying';
  readonly lastResponse = undefined;
  private readonly listeners: Array<(reason: TerminationReason, transaction: ServerTransaction) => void> = [];

  constructor(
    readonly request: SipRequest,
    readonly source: Target,
  ) {
    this.id = `b2bua-transfer:${request.callId}`;
  }

  respond(): boolean {
    return false;
  }

  onTerminated(listener: (reason: TerminationReason, transaction: ServerTransaction) => void): void {
    this.listeners.push(listener);
  }

  end(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const listener of this.listeners.splice(0)) listener('normal', this);
  }
}

/**
 * Call transfer by the B2BUA (RFC 3515 REFER, RFC 5589 call flows), from either leg of a call it
 * holds. The REFER is answered 202 and its implicit subscription gets sipfrag NOTIFYs
 * (refer-subscription.ts). Blind transfer: the Refer-To target is routed through the stages as a
 * new call of the referrer (callee lookup, barring, least-cost routing) and placed like a callee
 * leg; when it answers, the transferee's media moves to it (transferred-call.ts), the original
 * call is recorded as ended by the referrer's side and the referrer's leg gets BYE. Attended
 * transfer: a Refer-To with Replaces (RFC 3891) naming a dialog of another call the B2BUA holds
 * joins the transferee to that call's far party and ends both of the referrer's legs. A failed
 * transfer leaves the original call as it was and NOTIFYs the failure's status.
 */
export class Transfers {
  /** Calls with a transfer in progress (one at a time: another REFER gets 491). */
  private readonly busy = new Set<string>();

  constructor(private readonly deps: TransfersDeps) {}

  /** In-dialog requests a B2BUA leg does not relay (REFER, OPTIONS, the rest 405). */
  otherRequest(call: HeldCall, side: Side, incoming: IncomingRequest): void {
    if (incoming.method === 'REFER') {
      this.refer(this.view(call), side, incoming);
      return;
    }
    if (incoming.method === 'OPTIONS') incoming.respond(200);
    else incoming.respond(405, { headers: [['allow', this.deps.core.allow().join(', ')]] });
  }

  /** The leg of a held call whose dialog a Replaces header names (RFC 3891 §3), if any. */
  findReplaced(replaces: Replaces): { call: HeldCall; side: Side } | undefined {
    for (const call of this.deps.calls()) {
      if (!call.active) continue;
      const view = this.view(call);
      for (const side of ['caller', 'callee'] as const) {
        const dialog = view.session(side).dialog;
        if (!dialog || dialog.callId !== replaces.callId) continue;
        // §3: to-tag is the recipient's (our) tag; accept the reverse too, as some UAs send it.
        const forward = dialog.localTag === replaces.toTag && dialog.remoteTag === replaces.fromTag;
        const reverse = dialog.localTag === replaces.fromTag && dialog.remoteTag === replaces.toTag;
        if (forward || reverse) return { call, side };
      }
    }
    return undefined;
  }

  /** The held leg an INVITE's Replaces header names (RFC 3891 §3), if any. */
  replacedBy(invite: SipRequest): { call: HeldCall; side: Side; replaces: Replaces } | undefined {
    const value = invite.get('replaces');
    const replaces = value === undefined ? undefined : parseReplaces(value);
    if (!replaces) return undefined;
    const found = this.findReplaced(replaces);
    return found ? { ...found, replaces } : undefined;
  }

  /**
   * An INVITE with Replaces for a leg the B2BUA holds (RFC 3891 §3): the new caller takes that
   * leg's place in a new call with the leg's peer (transferred-call.ts), the replaced leg gets BYE
   * and its call's record says its side hung up. 481 when the leg is gone or not answered (early
   * dialogs are not replaced here), 486 for early-only on an answered one, 491 while a transfer of
   * that call runs. The dialog identifiers (Call-ID and both tags, random per leg) are what
   * authorizes it: the INVITE is not digest-challenged.
   */
  replace(invite: SipRequest, transaction: ServerTransaction): void {
    const found = this.replacedBy(invite);
    const refusal = this.replaceRefusal(found);
    if (refusal !== undefined || !found) {
      transaction.respond(createResponse(invite, refusal ?? 481));
      return;
    }
    const call = this.view(found.call);
    const replaced = call.session(found.side);
    const peer = call.session(other(found.side));
    const identity = invite.from.clone();
    identity.params.delete('tag');
    const replacing = this.deps.core.acceptInvite(invite, transaction);
    const transferred = new TransferredCall(
      this.callDeps(),
      peer,
      replacing,
      {
        referrer: call.party(found.side),
        transferee: call.party(other(found.side)),
        target: { identity, source: transaction.source },
      },
      call.routing,
    );
    this.busy.add(found.call.id);
    const release = this.whileTransferring(call, found.side, []);
    transferred
      .answerReplacing()
      .then((outcome) => {
        release();
        this.deps.transferred?.('replaces', outcome.status < 300 ? 'completed' : 'failed');
        if (outcome.status >= 300) return;
        this.deps.policy?.carry(found.call, transferred);
        found.call.transferredAway(found.side);
        transferred.join();
        void replaced.bye({ headers: [['reason', 'SIP;cause=200;text="Call replaced"']] });
      })
      .catch((error) => this.deps.onError(error, 'replace'))
      .finally(() => this.busy.delete(found.call.id));
  }

  /** Why a Replaces cannot be honoured (RFC 3891 §3), as a status; undefined when it can. */
  private replaceRefusal(found: ReturnType<Transfers['replacedBy']>): number | undefined {
    if (!found) return 481;
    const call = this.view(found.call);
    if (found.replaces.earlyOnly) return 486;
    const legs = [call.session(found.side), call.session(other(found.side))];
    if (legs.some((leg) => leg.state !== 'confirmed')) return 481;
    if (this.busy.has(found.call.id)) return 491;
    return undefined;
  }

  private refer(call: Transferable, side: Side, incoming: IncomingRequest): void {
    const held = call.call;
    const referrer = call.session(side);
    const transferee = call.session(other(side));
    if (held.answerAt === undefined || referrer.state !== 'confirmed' || transferee.state !== 'confirmed') {
      incoming.respond(403, { reason: 'Forbidden (transfer of an unanswered call)' });
      return;
    }
    if (this.busy.has(held.id)) {
      incoming.respond(491);
      return;
    }
    const target = parseReferTo(incoming.request);
    if ('status' in target) {
      incoming.respond(target.status, { reason: target.reason });
      return;
    }
    const found = target.replaces ? this.findReplaced(target.replaces) : undefined;
    if (found && (found.call === held || this.busy.has(found.call.id))) {
      incoming.respond(403, { reason: 'Forbidden (Replaces names a call in this transfer)' });
      return;
    }
    if (!found && !call.routing) {
      incoming.respond(403, { reason: 'Forbidden (no routing for transfer targets)' });
      return;
    }
    incoming.respond(202);
    const subscription = new ReferSubscription(referrer, incoming.request.cseq.seq, this.deps.onError);
    subscription.progress(100, 'Trying');
    this.busy.add(held.id);
    if (found) this.busy.add(found.call.id);
    const done = (): void => {
      this.busy.delete(held.id);
      if (found) this.busy.delete(found.call.id);
    };
    const running = found
      ? this.attended(call, side, this.view(found.call), found.side, subscription)
      : this.blind(call, side, target.uri, target.replaces, subscription);
    const kind: TransferKind = found ? 'attended' : 'blind';
    running
      .then((completed) => this.deps.transferred?.(kind, completed ? 'completed' : 'failed'))
      .catch((error) => {
        this.deps.onError(error, 'transfer');
        this.deps.transferred?.(kind, 'failed');
        return subscription.final(500);
      })
      .finally(done);
  }

  /** Blind transfer: a new call to the Refer-To target, routed for the referrer. */
  private async blind(
    call: Transferable,
    side: Side,
    uri: NameAddress['uri'],
    replaces: Replaces | undefined,
    subscription: ReferSubscription,
  ): Promise<boolean> {
    const referrer = call.party(side);
    const transfereeParty = call.party(other(side));
    const routing = call.routing!;
    const headers: Array<[string, string]> = [['referred-by', referrer.identity.toString()]];
    // RFC 3891 §7: a Replaces for a dialog the node does not hold goes to the target as is.
    if (replaces) {
      const early = replaces.earlyOnly ? ';early-only' : '';
      headers.push([
        'replaces',
        `${replaces.callId};to-tag=${replaces.toTag};from-tag=${replaces.fromTag}${early}`,
      ]);
    }
    const interval = this.deps.sessionExpires;
    if (interval > 0) {
      headers.push(
        ['supported', 'timer'],
        ['session-expires', `${interval};refresher=uac`],
        ['min-se', String(MIN_SESSION_EXPIRES)],
      );
    }
    const invite = this.deps.core.createRequest('INVITE', {
      to: new NameAddress(uri.clone()),
      from: transfereeParty.identity,
      requestUri: uri,
      headers,
    });
    // The stages route it as the referrer's own call: proven subscriber, or trunk.
    const ticket = new RoutingTicket(invite, referrer.source);
    const context = new RoutingContext(referrer.source, ticket);
    if (referrer.aor) context.caller = referrer.aor;
    if (referrer.trunk) context.trunk = referrer.trunk;
    const decision = await routing.router.route(invite, context);
    if (decision.kind !== 'forward') {
      ticket.end();
      const status =
        decision.kind === 'respond'
          ? [401, 407].includes(decision.response.status)
            ? 403
            : decision.response.status
          : decision.kind === 'hand'
            ? 403
            : 500;
      await subscription.final(status, decision.kind === 'respond' ? decision.response.reason : undefined);
      return false;
    }
    // Admission control and recording policies, as for a new call of the referrer's (RFC 3515
    // §2.4.5: a refusal is the new call's final response, the NOTIFY's sipfrag; the call goes on).
    let admitted: Awaited<ReturnType<TransferPolicy['admitTransfer']>> | undefined;
    try {
      admitted = await this.deps.policy?.admitTransfer(call.call, invite, context, decision.targets);
    } catch (error) {
      ticket.end(); // the store did not answer: the transfer fails (NOTIFY 500), the dialer lets go
      throw error;
    }
    if (admitted !== undefined && typeof admitted !== 'function') {
      ticket.end();
      await subscription.final(admitted.status, refusalText(admitted));
      return false;
    }
    const trunk = context.trunkCall?.trunk;
    const targetParty: Party = {
      identity: new NameAddress(uri.clone()),
      ...(context.called && !trunk ? { aor: context.called } : {}),
      ...(trunk ? { trunk } : {}),
      source: referrer.source,
    };
    const transferred = new TransferredCall(
      this.callDeps(),
      call.session(other(side)),
      {
        invite,
        targets: decision.targets,
        context,
        relay: routing.relay,
        ...(trunk && trunk.codecs.length > 0 ? { codecs: { order: trunk.codecs } } : {}),
      },
      { referrer, transferee: transfereeParty, target: targetParty },
      routing,
    );
    admitted?.(transferred);
    const release = this.whileTransferring(call, side, [transferred]);
    let outcome: TransferOutcome;
    try {
      outcome = await transferred.place((status, reason) => subscription.progress(status, reason));
    } finally {
      ticket.end();
    }
    return this.conclude(outcome, transferred, [{ call, side }], subscription, release);
  }

  /** Attended transfer: the transferee joins the far party of the call the Replaces names. */
  private async attended(
    call: Transferable,
    side: Side,
    replaced: Transferable,
    replacedSide: Side,
    subscription: ReferSubscription,
  ): Promise<boolean> {
    const targetSide = other(replacedSide);
    const transferred = new TransferredCall(
      this.callDeps(),
      call.session(other(side)),
      replaced.session(targetSide),
      {
        referrer: call.party(side),
        transferee: call.party(other(side)),
        target: replaced.party(targetSide),
      },
      call.routing,
    );
    const release = this.whileTransferring(call, side, [transferred]);
    const releaseReplaced = this.whileTransferring(replaced, replacedSide, []);
    const outcome = await transferred.connect();
    return this.conclude(
      outcome,
      transferred,
      [
        { call, side },
        { call: replaced, side: replacedSide },
      ],
      subscription,
      () => {
        releaseReplaced();
        return release();
      },
      call.call,
    );
  }

  /**
   * The outcome: on success the old calls let go of their legs (recorded as ended by the
   * referrer's side), the new call joins, the referrer hears 200 and its legs get BYE; on failure
   * the referrer hears the status and the old call goes on (or ends, if its referrer left).
   * `carriedFrom`: the call whose admission and recording policy the new call carries on with.
   */
  private async conclude(
    outcome: TransferOutcome,
    transferred: TransferredCall,
    referrers: Array<{ call: Transferable; side: Side }>,
    subscription: ReferSubscription,
    release: () => { referrerLeft: boolean },
    carriedFrom?: HeldCall,
  ): Promise<boolean> {
    const { referrerLeft } = release();
    if (outcome.status >= 300) {
      await subscription.final(outcome.status, outcome.reason);
      const first = referrers[0]!;
      // RFC 5589 §6: the referrer hung up after 202; without a new call the transferee is alone.
      if (referrerLeft) first.call.call.hangUp('SIP;cause=480;text="Transfer failed"');
      return false;
    }
    if (carriedFrom) this.deps.policy?.carry(carriedFrom, transferred);
    for (const { call, side } of referrers) call.call.transferredAway(side);
    transferred.join();
    await subscription.final(200, 'OK');
    const reason: Array<[string, string]> = [['reason', 'SIP;cause=200;text="Call transferred"']];
    for (const { call, side } of referrers) void call.session(side).bye({ headers: reason });
    return true;
  }

  /**
   * While a transfer runs: the referrer may hang up after 202 (RFC 5589 §6) without ending the
   * transferee's leg; the transferee hanging up stops the transfer.
   */
  private whileTransferring(
    call: Transferable,
    side: Side,
    stoppable: TransferredCall[],
  ): () => { referrerLeft: boolean } {
    let referrerLeft = false;
    const held = call.call;
    held.referrerBye = (byeSide) => {
      if (byeSide !== side) return false;
      referrerLeft = true;
      return true;
    };
    const transferee = call.session(other(side));
    const gone = (): void => {
      for (const transferred of stoppable) transferred.cancel('SIP;cause=487;text="Transferee left"');
    };
    transferee.on('terminated', gone);
    return () => {
      held.referrerBye = undefined;
      transferee.off('terminated', gone);
      return { referrerLeft };
    };
  }

  private callDeps(): TransferredCallDeps {
    const { calls: _calls, policy: _policy, ...deps } = this.deps;
    return { ...deps, otherRequest: (call, side, incoming) => this.otherRequest(call, side, incoming) };
  }

  private view(call: HeldCall): Transferable {
    if (call instanceof B2buaCall) {
      const via = this.deps.core.transport.via('udp');
      const own: Target = { protocol: 'udp', address: via.host, port: via.port };
      const router = call.taken.router;
      return {
        call,
        session: (side) => (side === 'caller' ? call.caller : call.callee),
        party: (side) => partyOf(call, side, own),
        routing: router ? { router, relay: call.taken.relay } : undefined,
      };
    }
    return {
      call,
      session: (side) => call.session(side),
      party: (side) => call.party(side),
      routing: call.routing,
    };
  }
}
