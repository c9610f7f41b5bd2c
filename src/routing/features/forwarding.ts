import { createResponse, parseUri, type SipRequest, type SipUri, type Uri } from '../../sip/message/index.js';
import type { ForwardTarget } from '../../sip/proxy/index.js';
import type { DomainFeatures, NumberingPlan, Subscriber } from '../../store/index.js';
import { contactTargets } from '../contact-targets.js';
import { type Forward, forward, type Respond, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { StaticRoutes } from '../static-routes.js';
import type { SubscriberServices } from '../types.js';
import { addDiversions, type Diversion, type DiversionReason, receivedDiversions } from './diversion.js';
import { callerUri, isAnonymous, userOf } from './identity.js';
import { forDisplay, looksDialled, numberForms, toE164 } from './numbering.js';
import type { OffNetRouter } from './off-net.js';
import { firstMatch } from './patterns.js';
import { type CalleeState, DEFAULT_MAX_DIVERSIONS, DEFAULT_RING_TIMEOUT_S } from './types.js';

export type FeatureServices = Pick<SubscriberServices, 'store' | 'location' | 'domains'> &
  Required<Pick<SubscriberServices, 'features'>>;

/** Where a forward goes: one of our subscribers, a number outside the platform, or a URI relayed as it is. */
type Destination =
  | { kind: 'subscriber'; subscriber: Subscriber }
  | { kind: 'number'; number: string }
  | { kind: 'uri'; uri: SipUri };

/**
 * Calls to our subscribers, with their features (like Kamailio's request_route and
 * failure_route around lookup("location"), or Asterisk's Dial with forwarding): anonymous call
 * rejection, incoming barring, forwarding unconditional and when not registered, the ring
 * timeout for forwarding on no answer, and the diversions that forwarding on busy or no answer
 * (the failure stage) starts from. Every forward adds a Diversion (RFC 5806); a forward to an
 * address the call was already at is a loop (482), more than the diversions allowed is 483.
 */
export class Forwarding {
  constructor(
    private readonly services: FeatureServices,
    private readonly routes: Pick<StaticRoutes, 'defaultRoute'>,
    private readonly now: () => number = Date.now,
    /** Numbers no subscriber has: out through the trunks (absent: the default route, or 404). */
    private readonly offNet?: OffNetRouter,
  ) {}

  /** The call reaches `subscriber` as the Request-URI named them (the first callee). */
  async reach(
    request: SipRequest,
    context: RoutingContext,
    subscriber: Subscriber,
  ): Promise<Respond | Forward> {
    const received = receivedDiversions(request);
    const chain = {
      diversions: [] as Diversion[],
      visited: [...received.addresses],
      received: received.count,
    };
    return this.ring(request, context, subscriber, chain);
  }

  /**
   * The subscriber who was rung (the failure stage's `state`) forwards the call to `to` for
   * `reason`: a new diversion, checked for loops and the diversion limit.
   */
  divert(
    request: SipRequest,
    context: RoutingContext,
    state: CalleeState,
    to: string,
    reason: DiversionReason,
  ): Promise<Respond | Forward> {
    const chain = {
      diversions: [...state.diversions],
      visited: [...state.visited],
      received: state.received,
    };
    return this.follow(request, context, state.domain, state.features, chain, state.aor, to, reason);
  }

  private async ring(
    request: SipRequest,
    context: RoutingContext,
    subscriber: Subscriber,
    chain: Pick<CalleeState, 'diversions' | 'visited' | 'received'>,
  ): Promise<Respond | Forward> {
    const domain = subscriber.domain.toLowerCase();
    const aor = `sip:${subscriber.username}@${domain}`;
    if (chain.visited.includes(aor)) return respond(createResponse(request, 482, 'Loop Detected'));
    chain.visited.push(aor);
    const features = await this.services.features.effectiveFeatures(subscriber.username, domain);
    // RFC 5079 §4: the callee's proxy refuses anonymous callers for a callee who asked so.
    if (features.rejectAnonymous && isAnonymous(request))
      return respond(createResponse(request, 433, 'Anonymity Disallowed'));
    if (features.barIncoming) {
      const caller = userOf(callerUri(request));
      if (caller !== undefined && firstMatch(features.barIncoming, numberForms(caller, features.numbering)))
        return respond(createResponse(request, 403, 'Incoming Calls Barred'));
    }
    const forwardTo = (to: string, reason: DiversionReason) =>
      this.follow(request, context, domain, features, chain, aor, to, reason);
    if (features.forwardAlways) return forwardTo(features.forwardAlways, 'unconditional');
    const targets = contactTargets(await this.services.location.lookup(aor), context.nat);
    if (targets.length === 0) {
      if (features.forwardUnreachable) return forwardTo(features.forwardUnreachable, 'unavailable');
      return respond(createResponse(request, 480));
    }
    const { diversions: so, visited, received } = chain;
    context.called = { aor, user: subscriber.username, domain };
    context.callee = { aor, domain, features, diversions: so, visited, received, startedAt: this.now() };
    const diversions = [...chain.diversions];
    const plan = features.numbering;
    const ringTimeout = features.forwardNoAnswer
      ? (features.ringTimeout ?? DEFAULT_RING_TIMEOUT_S) * 1000
      : undefined;
    for (const target of targets) {
      target.prepare = (copy) => {
        addDiversions(copy, diversions);
        showCallerFor(copy, plan);
      };
      if (ringTimeout !== undefined) target.noAnswerTimeout = ringTimeout;
    }
    return forward(targets);
  }

  /** `from` (with `features`) forwards the call to `to`: one more diversion, then wherever `to` leads. */
  private async follow(
    request: SipRequest,
    context: RoutingContext,
    domain: string,
    features: DomainFeatures,
    chain: Pick<CalleeState, 'diversions' | 'visited' | 'received'>,
    from: string,
    to: string,
    reason: DiversionReason,
  ): Promise<Respond | Forward> {
    const max = features.maxDiversions ?? DEFAULT_MAX_DIVERSIONS;
    if (chain.received + chain.diversions.length + 1 > max)
      return respond(createResponse(request, 483, 'Too Many Hops'));
    chain.diversions.push({ from, reason });
    const destination = await this.destination(to, domain, features.numbering);
    if (destination === undefined)
      return respond(createResponse(request, 404, 'Forwarding Target Not Found'));
    if (destination.kind === 'subscriber') return this.ring(request, context, destination.subscriber, chain);
    if (destination.kind === 'number')
      return this.offPlatform(request, context, features, chain, destination.number);
    const address = `sip:${destination.uri.user ?? ''}@${destination.uri.hostname}`;
    if (chain.visited.includes(address)) return respond(createResponse(request, 482, 'Loop Detected'));
    // Not ours: relayed like any request for another domain (through the default route, if any).
    context.callee = undefined;
    const diversions = [...chain.diversions];
    const target: ForwardTarget = {
      uri: destination.uri,
      prepare: (copy) => addDiversions(copy, diversions),
    };
    if (this.routes.defaultRoute) target.nextHop = this.routes.defaultRoute;
    return forward([target]);
  }

  /**
   * A forward to a number outside the platform: the forwarding subscriber's outgoing barring
   * applies (no toll fraud through forwarding), then the trunks. The Diversions go on every
   * gateway's copy, failover included: they are request-wide edits from here on.
   */
  private offPlatform(
    request: SipRequest,
    context: RoutingContext,
    features: DomainFeatures,
    chain: Pick<CalleeState, 'diversions'>,
    number: string,
  ): Respond | Forward {
    if (firstMatch(features.barOutgoing, numberForms(number, features.numbering)))
      return respond(createResponse(request, 403, 'Outgoing Calls Barred'));
    const digits = number.replace(/^\+/, '');
    const decision = this.offNet!.route(digits, request, context);
    if (decision.kind !== 'forward') return decision;
    context.callee = undefined;
    const diversions = [...chain.diversions];
    const before = context.prepare;
    context.prepare = (copy) => {
      addDiversions(copy, diversions);
      before?.(copy);
    };
    return decision;
  }

  /**
   * What a forward setting names: a URI, or a user or number of the forwarding subscriber's domain
   * (numbers normalised by its plan). Undefined for nobody of ours with no way out.
   */
  private async destination(
    to: string,
    domain: string,
    plan: NumberingPlan | undefined,
  ): Promise<Destination | undefined> {
    let uri: Uri;
    try {
      uri = /^(sips?|tel):/i.test(to) ? parseUri(to) : parseUri(`sip:${to}@${domain}`);
    } catch {
      return undefined;
    }
    if (uri.kind === 'tel') uri = parseUri(`sip:${uri.number}@${domain}`);
    if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
    const host = uri.hostname;
    if (!(await this.services.domains.has(host))) return { kind: 'uri', uri };
    let user = uri.user;
    const direct = await this.services.store.resolveUser(user, host);
    if (direct?.enabled) return { kind: 'subscriber', subscriber: direct };
    if (plan && looksDialled(user)) {
      const normalised = toE164(user, plan);
      if (normalised?.kind === 'e164') {
        user = normalised.number;
        const owner = await this.services.store.resolveUser(user, host);
        if (owner?.enabled) return { kind: 'subscriber', subscriber: owner };
      }
    }
    // A number of our domain that none of ours has: out through the trunks, else the default route.
    if (this.offNet && /^\+[1-9]\d{2,14}$/.test(user)) return { kind: 'number', number: user };
    if (!this.routes.defaultRoute) return undefined;
    const out = uri.clone();
    out.user = user;
    return { kind: 'uri', uri: out };
  }
}

/** The caller's number as the callee's domain dials it (E.164 to national), on this copy's From. */
function showCallerFor(copy: SipRequest, plan: NumberingPlan | undefined): void {
  if (!plan) return;
  const from = copy.from;
  if (from.uri.kind !== 'sip' || from.uri.user === undefined || !from.uri.user.startsWith('+')) return;
  const shown = forDisplay(from.uri.user, plan);
  if (shown === from.uri.user) return;
  const rewritten = from.clone();
  (rewritten.uri as SipUri).user = shown;
  copy.set('from', rewritten.toString());
}
