import type { Logger } from 'pino';
import type { RequestAuthenticator } from './authentication/index.js';
import type { SwitchboardConfig } from './config/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import { BranchOutcomes, TrunkDialer, type TrunkServices } from './routing/index.js';
import type { TrunkRepository } from './store/index.js';
import {
  ALWAYS_UP,
  Dispatcher,
  type GatewayHealth,
  TrunkTables,
  TrunkTls,
  zonedClock,
} from './trunks/index.js';

/** Trunks on a node: the routing tables in memory (reloaded as the store changes) and dispatch. */
export class NodeTrunks {
  /**
   * Whether a gateway answers: the OPTIONS prober, when one runs on the node; until one is set,
   * every gateway is up. Read on every dispatch, so a prober set after start is used from then on.
   */
  health: GatewayHealth = ALWAYS_UP;
  readonly dispatcher = new Dispatcher({ isUp: (id) => this.health.isUp(id) });
  /** What the routing stages use. */
  readonly services: TrunkServices;

  constructor(
    readonly tables: TrunkTables,
    config: SwitchboardConfig['trunks'],
    authenticator: RequestAuthenticator,
    /** Trunks' client certificates and CAs for TLS connections to their gateways. */
    readonly tls: TrunkTls = new TrunkTls(),
  ) {
    const outcomes = new BranchOutcomes();
    const defaults = { noReplyTimeout: config.noReplyTimeout, failoverCodes: config.failoverCodes };
    this.services = {
      tables,
      outcomes,
      dialer: new TrunkDialer(tables, this.dispatcher, zonedClock(config.timeZone), outcomes, defaults),
      authenticator,
      realm: config.realm,
    };
  }
}

/** Loads the trunk tables from the store and starts polling it for changes. */
export async function startTrunks(
  config: SwitchboardConfig['trunks'],
  store: Pick<TrunkRepository, 'loadRouting' | 'routingRevision'>,
  authenticator: RequestAuthenticator,
  logger: Logger,
): Promise<NodeTrunks> {
  const tls = new TrunkTls((message) => logger.error(message));
  const tables = await TrunkTables.load(store, {
    pollInterval: config.reloadInterval * 1000,
    onError: (err) => logger.warn({ err }, 'could not load trunks and routes'),
    onReload: (view) => {
      logger.info(
        { revision: view.revision, trunks: view.trunks.size, routes: view.lcr.size },
        'routing tables loaded',
      );
      void tls.load(view);
    },
  });
  // The first load's certificates are in place before any call can be routed.
  await tls.load(tables.current);
  tables.start();
  return new NodeTrunks(tables, config, authenticator, tls);
}

/** Least-cost routing and failover in /metrics. */
export function registerTrunkMetrics(metrics: MetricsRegistry, trunks: NodeTrunks): void {
  const dialer = trunks.services.dialer;
  metrics.counter({
    name: 'lcr_decisions_total',
    help: 'Calls to numbers no subscriber has, by what least-cost routing found: routed, no_route (404), no_gateway (503)',
    labelNames: ['result'],
    collect() {
      this.reset();
      this.inc({ result: 'routed' }, dialer.decisions.routed);
      this.inc({ result: 'no_route' }, dialer.decisions.noRoute);
      this.inc({ result: 'no_gateway' }, dialer.decisions.noGateway);
    },
  });
  metrics.counter({
    name: 'trunk_failovers_total',
    help: "Calls moved on from one of the trunk's gateways (a failover code, or no answer) to the next gateway or route",
    labelNames: ['trunk'],
    collect() {
      this.reset();
      for (const [trunk, n] of dialer.failovers) this.inc({ trunk }, n);
    },
  });
  metrics.gauge({
    name: 'gateway_invites_in_progress',
    help: 'INVITEs sent to the gateway that have no final answer yet (what fewest-calls dispatch compares)',
    labelNames: ['gateway'],
    collect() {
      this.reset();
      for (const [gateway, n] of trunks.dispatcher.activeByGateway()) this.set({ gateway }, n);
    },
  });
}
