import { parseSipUriStrict, type SipRequest, SipUri } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { Gateway, Trunk } from '../store/index.js';
import { type Dispatcher, manipulate, type RoutingClock, type TrunkTablesView } from '../trunks/index.js';
import type { BranchOutcomes } from './branch-outcomes.js';
import { type TrunkAttempt, TrunkCall } from './trunk-call.js';

/** Node-wide defaults for what a trunk leaves unset. */
export interface TrunkDefaults {
  /** ms without any response before the next gateway is tried (fr_timer). */
  noReplyTimeout: number;
  /** Final responses that fail over (408, 5xx, codes 500-599). */
  failoverCodes: readonly string[];
}

/**
 * Turns LCR's choice into branches: the next gateway of the route being tried, then the gateways
 * of the next route, each a ForwardTarget with the trunk's number manipulation, caller ID and
 * timeouts. Counts INVITEs in progress per gateway for the fewest-calls algorithm.
 */
export class TrunkDialer {
  private readonly gatewayUris = new WeakMap<Gateway, SipUri>();
  /** Routing decisions of the lcr stage, by outcome (for /metrics). */
  readonly decisions = { routed: 0, noRoute: 0, noGateway: 0 };
  /** Calls moved on from a trunk's gateway by failover, per trunk (for /metrics). */
  readonly failovers = new Map<string, number>();

  constructor(
    private readonly tables: { readonly current: TrunkTablesView },
    private readonly dispatcher: Dispatcher,
    private readonly clock: RoutingClock,
    private readonly outcomes: BranchOutcomes,
    readonly defaults: TrunkDefaults,
  ) {}

  /** The routes for a number now, as a call to dial; undefined when no route matches. */
  plan(digits: string, callId: string): TrunkCall | undefined {
    const routes = this.tables.current.lcr.match(digits, this.clock.now());
    return routes.length === 0 ? undefined : new TrunkCall(digits, callId, routes);
  }

  /** The next branch of the call, or undefined when every gateway of every route was tried. */
  next(call: TrunkCall, request: SipRequest): ForwardTarget | undefined {
    const tables = this.tables.current;
    for (;;) {
      const gateway = call.gateways[call.gatewayIndex];
      if (gateway !== undefined && call.trunk !== undefined) {
        call.gatewayIndex++;
        return this.target(call, call.trunk, gateway, request);
      }
      call.routeIndex++;
      const route = call.routes[call.routeIndex];
      if (route === undefined) return undefined;
      const trunk = tables.trunks.get(route.trunk);
      if (!trunk?.enabled) continue;
      call.trunk = trunk;
      call.gateways = this.dispatcher.order(
        trunk.name,
        trunk.dispatch,
        tables.gateways.get(trunk.name) ?? [],
        call.callId,
      );
      call.gatewayIndex = 0;
    }
  }

  /** Counts a failover away from the attempt's trunk. */
  countFailover(attempt: TrunkAttempt): void {
    const trunk = attempt.trunk.name;
    this.failovers.set(trunk, (this.failovers.get(trunk) ?? 0) + 1);
  }

  /** The attempt is over (answered, failed, given up): no longer an INVITE in progress. */
  release(attempt: TrunkAttempt | undefined): void {
    if (!attempt?.active) return;
    attempt.active = false;
    this.dispatcher.callEnded(attempt.gateway.id);
  }

  /** Whether the attempt's answer (none: a timeout, 408) fails over under its trunk's codes. */
  failsOver(attempt: TrunkAttempt): boolean {
    const status = attempt.status ?? 408;
    const codes = attempt.trunk.failoverCodes ?? this.defaults.failoverCodes;
    for (const code of codes) {
      if (code === '5xx' ? status >= 500 && status < 600 : Number(code) === status) return true;
    }
    return false;
  }

  private target(call: TrunkCall, trunk: Trunk, gateway: Gateway, request: SipRequest): ForwardTarget {
    const uri = this.gatewayUri(gateway).clone();
    uri.user = manipulate(call.digits, trunk.stripDigits, trunk.prefix);
    const attempt: TrunkAttempt = { trunk, gateway, status: undefined, active: true };
    this.release(call.attempt);
    call.attempt = attempt;
    this.dispatcher.callStarted(gateway.id);
    const callerId = trunk.callerId;
    const target: ForwardTarget = {
      uri,
      noReplyTimeout: trunk.noReplyTimeout ?? this.defaults.noReplyTimeout,
      prepare: (copy) => {
        this.outcomes.watch(copy, (status) => {
          attempt.status ??= status;
          this.release(attempt);
        });
        if (callerId !== undefined) setCallerId(copy, callerId);
      },
    };
    if (trunk.noAnswerTimeout !== undefined && request.method === 'INVITE') {
      target.noAnswerTimeout = trunk.noAnswerTimeout;
    }
    return target;
  }

  private gatewayUri(gateway: Gateway): SipUri {
    let uri = this.gatewayUris.get(gateway);
    if (uri === undefined) {
      // Checked when stored (checkGatewayUri); a URI that no longer parses has no branch.
      uri = parseSipUriStrict(gateway.uri);
      if (gateway.transport !== 'udp' && uri.transportParam === undefined) {
        uri.params.set('transport', gateway.transport);
      }
      this.gatewayUris.set(gateway, uri);
    }
    return uri;
  }
}

/**
 * The trunk's caller ID: the From user (the carrier bills and presents it) and a
 * P-Asserted-Identity with it (RFC 3325 §9.1), as carriers on trusted peering expect.
 */
function setCallerId(copy: SipRequest, callerId: string): void {
  const from = copy.from.clone();
  if (from.uri.kind !== 'sip') return;
  from.uri.user = callerId;
  copy.set('From', from.toString());
  copy.set('P-Asserted-Identity', `<${new SipUri('sip', from.uri.host, undefined, callerId).toString()}>`);
}
