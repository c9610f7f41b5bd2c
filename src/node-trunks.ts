import type { Logger } from 'pino';
import type { RequestAuthenticator } from './authentication/index.js';
import type { SwitchboardConfig } from './config/index.js';
import { BranchOutcomes, TrunkDialer, type TrunkServices } from './routing/index.js';
import type { TrunkRepository } from './store/index.js';
import { ALWAYS_UP, Dispatcher, type GatewayHealth, TrunkTables, zonedClock } from './trunks/index.js';

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
  const tables = await TrunkTables.load(store, {
    pollInterval: config.reloadInterval * 1000,
    onError: (err) => logger.warn({ err }, 'could not load trunks and routes'),
    onReload: (view) =>
      logger.info(
        { revision: view.revision, trunks: view.trunks.size, routes: view.lcr.size },
        'routing tables loaded',
      ),
  });
  tables.start();
  return new NodeTrunks(tables, config, authenticator);
}
