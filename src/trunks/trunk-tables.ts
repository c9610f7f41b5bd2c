import type { Gateway, RoutingSnapshot, Trunk, TrunkRepository } from '../store/index.js';
import { InboundTrunks } from './inbound-trunks.js';
import { LcrTable } from './lcr-table.js';

/** The routing tables built from one snapshot of the store. */
export interface TrunkTablesView {
  readonly revision: number;
  readonly trunks: ReadonlyMap<string, Trunk>;
  /** Per trunk, its gateways (any state: the dispatcher filters). */
  readonly gateways: ReadonlyMap<string, readonly Gateway[]>;
  readonly lcr: LcrTable;
  readonly inbound: InboundTrunks;
}

export function buildTables(snapshot: RoutingSnapshot): TrunkTablesView {
  const trunks = new Map(snapshot.trunks.map((t) => [t.name, t]));
  const gateways = new Map<string, Gateway[]>();
  for (const gateway of snapshot.gateways) {
    const list = gateways.get(gateway.trunk);
    if (list) list.push(gateway);
    else gateways.set(gateway.trunk, [gateway]);
  }
  return {
    revision: snapshot.revision,
    trunks,
    gateways,
    lcr: new LcrTable(snapshot.routes, trunks),
    inbound: new InboundTrunks(snapshot.trunks),
  };
}

export interface TrunkTablesOptions {
  /** How often the store's routing revision is polled (writes by the CLI or another node), ms. */
  pollInterval: number;
  onError?: (error: unknown) => void;
  onReload?: (tables: TrunkTablesView) => void;
}

/**
 * The node's trunks, gateways and routes in memory, so routing never waits for SQL: loaded at
 * start, reloaded when the store's routing revision moves (polled; `refresh()` at once after a
 * write through this node's API). A failed reload keeps the tables it had.
 */
export class TrunkTables {
  private view: TrunkTablesView;
  private timer: NodeJS.Timeout | undefined;
  /** Reloads run one after the other: a refresh asked after a write sees that write. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: Pick<TrunkRepository, 'loadRouting' | 'routingRevision'>,
    initial: TrunkTablesView,
    private readonly options: TrunkTablesOptions,
  ) {
    this.view = initial;
  }

  /**
   * The tables as the store has them now; when the store cannot be read, empty tables (no trunk
   * call is recognised or routed) until a later poll succeeds, the error reported to onError.
   */
  static async load(
    store: Pick<TrunkRepository, 'loadRouting' | 'routingRevision'>,
    options: TrunkTablesOptions,
  ): Promise<TrunkTables> {
    const empty = buildTables({ revision: -1, trunks: [], gateways: [], routes: [] });
    const tables = new TrunkTables(store, empty, options);
    await tables.refresh();
    return tables;
  }

  /** The tables of the latest snapshot. */
  get current(): TrunkTablesView {
    return this.view;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.pollInterval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reload if the store's revision moved (after any reload already under way). */
  refresh(): Promise<void> {
    this.queue = this.queue.then(() => this.reload());
    return this.queue;
  }

  private async reload(): Promise<void> {
    try {
      if ((await this.store.routingRevision()) === this.view.revision) return;
      this.view = buildTables(await this.store.loadRouting());
      this.options.onReload?.(this.view);
    } catch (e) {
      this.options.onError?.(e);
    }
  }
}
