import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { ConflictError, NotFoundError } from './errors.js';
import type { SqlFlavor } from './flavor.js';
import { PreparedQuery } from './prepared-query.js';
import type { LcrRoutesTable, StoreSchema, TrunkGatewaysTable, TrunksTable } from './schema.js';
import { asNewGateway, asNewRoute, asNewTrunk, gatewayRow, routeRow, trunkColumns } from './trunk-input.js';
import { toGateway, toRoute, toTrunk } from './trunk-rows.js';
import type {
  Gateway,
  GatewayChanges,
  LcrRoute,
  NewGateway,
  NewRoute,
  NewTrunk,
  RouteChanges,
  RouteFilter,
  RoutingSnapshot,
  Trunk,
  TrunkChanges,
  TrunkRepository,
} from './trunk-types.js';
import { checkPrefix } from './validate-trunk.js';

type Db = Kysely<StoreSchema> | Transaction<StoreSchema>;

// Rows per INSERT of an import: 500 × 9 parameters stays far below SQLite's and PostgreSQL's limits.
const ROUTE_BATCH = 500;

/**
 * Trunks, gateways and least-cost routes on either SQL backend. Every write checks its input
 * first, runs in one transaction (nothing half-stored) and bumps the routing revision, which
 * nodes poll to reload their in-memory routing tables.
 */
export class SqlTrunks implements TrunkRepository {
  /** The revision read that every node polls (compiled once: Kysely compiled it per poll). */
  private revisionQuery: PreparedQuery<{ revision: number | string }> | undefined;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
    /** A trunk's removal took its call policy with it (foreign key). */
    private readonly policiesChanged: () => void = () => {},
  ) {}

  async addTrunk(input: NewTrunk): Promise<Trunk> {
    const row = { ...trunkColumns(input, this.flavor), created_at: this.flavor.time(new Date()) };
    await this.write(async (trx) => {
      await this.checkInboundUnique(
        trx,
        row.name,
        row.inbound_cidrs,
        row.inbound_username ?? null,
        row.inbound_tls_name ?? null,
      );
      try {
        await trx.insertInto('trunks').values(row).execute();
      } catch (e) {
        if (this.flavor.violation(e) === 'unique')
          throw new ConflictError(`trunk ${row.name} already exists`);
        throw e;
      }
    });
    return toTrunk(row as Selectable<TrunksTable>);
  }

  async updateTrunk(name: string, changes: TrunkChanges): Promise<Trunk> {
    return this.write(async (trx) => {
      const current = await findTrunk(trx, name);
      if (!current) throw trunkNotFound(name);
      const merged = applyChanges(asNewTrunk(current), changes);
      const { name: _name, ...columns } = trunkColumns(merged, this.flavor);
      await this.checkInboundUnique(
        trx,
        name,
        columns.inbound_cidrs,
        columns.inbound_username ?? null,
        columns.inbound_tls_name ?? null,
      );
      await trx.updateTable('trunks').set(columns).where('name', '=', name).execute();
      return (await findTrunk(trx, name))!;
    });
  }

  async getTrunk(name: string): Promise<Trunk | undefined> {
    return findTrunk(this.db, name);
  }

  async listTrunks(): Promise<Trunk[]> {
    const rows = await this.db.selectFrom('trunks').selectAll().orderBy('name').execute();
    return rows.map(toTrunk);
  }

  async removeTrunk(name: string, options: { cascade?: boolean } = {}): Promise<boolean> {
    const removed = this.write(async (trx) => {
      const routes = await trx
        .selectFrom('lcr_routes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('trunk', '=', name)
        .executeTakeFirstOrThrow();
      const count = Number(routes.n);
      if (count > 0 && !options.cascade) {
        throw new ConflictError(
          `trunk ${name} is still used by ${count} route${count === 1 ? '' : 's'}`,
          'remove them first, or remove the trunk with them: switchboard trunk remove --force',
        );
      }
      await trx.deleteFrom('lcr_routes').where('trunk', '=', name).execute();
      await trx.deleteFrom('trunk_gateways').where('trunk', '=', name).execute();
      const result = await trx.deleteFrom('trunks').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
    return removed.finally(this.policiesChanged);
  }

  async addGateway(input: NewGateway): Promise<Gateway> {
    const row = gatewayRow(input, this.flavor);
    await this.write(async (trx) => {
      if (!(await findTrunk(trx, row.trunk))) throw trunkNotFound(row.trunk);
      await this.insertGateway(trx, row);
    });
    return toGateway(row as Selectable<TrunkGatewaysTable>);
  }

  async updateGateway(id: string, changes: GatewayChanges): Promise<Gateway> {
    return this.write(async (trx) => {
      const current = await findGateway(trx, id);
      if (!current) throw gatewayNotFound(id);
      const merged = applyChanges(asNewGateway(current), changes);
      // A new URI without a transport takes the transport its URI implies.
      if (changes.uri !== undefined && changes.transport === undefined) delete merged.transport;
      const { id: _id, trunk: _trunk, created_at: _created, ...columns } = gatewayRow(merged, this.flavor);
      const same = await trx
        .selectFrom('trunk_gateways')
        .select('id')
        .where('trunk', '=', current.trunk)
        .where('uri', '=', columns.uri)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (same)
        throw new ConflictError(`trunk ${current.trunk} already has a gateway ${columns.uri} (${same.id})`);
      try {
        await trx.updateTable('trunk_gateways').set(columns).where('id', '=', id).execute();
      } catch (e) {
        if (this.flavor.violation(e) === 'unique') {
          throw new ConflictError(`trunk ${current.trunk} already has a gateway ${columns.uri}`);
        }
        throw e;
      }
      return (await findGateway(trx, id))!;
    });
  }

  async getGateway(id: string): Promise<Gateway | undefined> {
    return findGateway(this.db, id);
  }

  async listGateways(trunk?: string): Promise<Gateway[]> {
    let query = this.db.selectFrom('trunk_gateways').selectAll();
    if (trunk !== undefined) query = query.where('trunk', '=', trunk);
    const rows = await query.orderBy('trunk').orderBy('priority').orderBy('id').execute();
    return rows.map(toGateway);
  }

  async removeGateway(id: string): Promise<boolean> {
    return this.write(async (trx) => {
      const result = await trx.deleteFrom('trunk_gateways').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async addRoute(input: NewRoute): Promise<LcrRoute> {
    const row = routeRow(input, this.flavor, new Date());
    await this.write(async (trx) => {
      if (!(await findTrunk(trx, row.trunk))) throw trunkNotFound(row.trunk);
      await this.insertRoutes(trx, [row]);
    });
    return toRoute(row as Selectable<LcrRoutesTable>);
  }

  async updateRoute(id: string, changes: RouteChanges): Promise<LcrRoute> {
    return this.write(async (trx) => {
      const current = await findRoute(trx, id);
      if (!current) throw routeNotFound(id);
      const merged = applyChanges(asNewRoute(current), changes);
      const { id: _id, created_at: _created, ...columns } = routeRow(merged, this.flavor, current.createdAt);
      const same = await trx
        .selectFrom('lcr_routes')
        .select('id')
        .where('prefix', '=', columns.prefix)
        .where('trunk', '=', columns.trunk)
        .where('time_bands', '=', columns.time_bands)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (same) throw duplicateRoute(columns, same.id);
      try {
        await trx.updateTable('lcr_routes').set(columns).where('id', '=', id).execute();
      } catch (e) {
        if (this.flavor.violation(e) === 'unique') throw duplicateRoute(columns);
        throw e;
      }
      return (await findRoute(trx, id))!;
    });
  }

  async getRoute(id: string): Promise<LcrRoute | undefined> {
    return findRoute(this.db, id);
  }

  async listRoutes(filter: RouteFilter = {}): Promise<LcrRoute[]> {
    let query = this.db.selectFrom('lcr_routes').selectAll();
    if (filter.trunk !== undefined) query = query.where('trunk', '=', filter.trunk);
    // Digits only after checkPrefix: no LIKE wildcard can be in it.
    if (filter.prefix !== undefined) query = query.where('prefix', 'like', `${checkPrefix(filter.prefix)}%`);
    const rows = await query.orderBy('prefix').orderBy('priority').orderBy('id').execute();
    return rows.map(toRoute);
  }

  async removeRoute(id: string): Promise<boolean> {
    return this.write(async (trx) => {
      const result = await trx.deleteFrom('lcr_routes').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** All routes or none: every row is checked first, its 1-based number named in the error. */
  async importRoutes(input: readonly NewRoute[]): Promise<number> {
    const now = new Date();
    const rows = input.map((route, i) => atRow(i, () => routeRow(route, this.flavor, now)));
    const seen = new Map<string, number>();
    const ids = new Map<string, number>();
    rows.forEach((row, i) => {
      atRow(i, () => {
        const key = routeKey(row);
        const first = seen.get(key);
        if (first !== undefined)
          throw new ConflictError(`it repeats row ${first + 1} (${describeRoute(row)})`);
        const sameId = ids.get(row.id);
        if (sameId !== undefined) throw new ConflictError(`its id ${row.id} is also on row ${sameId + 1}`);
        seen.set(key, i);
        ids.set(row.id, i);
      });
    });
    await this.write(async (trx) => {
      const trunks = new Set((await trx.selectFrom('trunks').select('name').execute()).map((r) => r.name));
      rows.forEach((row, i) => {
        atRow(i, () => {
          if (!trunks.has(row.trunk)) throw trunkNotFound(row.trunk);
        });
      });
      for (let start = 0; start < rows.length; start += ROUTE_BATCH) {
        await this.insertRoutes(trx, rows.slice(start, start + ROUTE_BATCH), (i) => start + i);
      }
    });
    return rows.length;
  }

  async routingRevision(): Promise<number> {
    this.revisionQuery ??= new PreparedQuery(this.db.selectFrom('routing_revision').select('revision'), 0);
    const { rows } = await this.revisionQuery.run(this.db, []);
    return Number(rows[0]?.revision ?? 0);
  }

  async loadRouting(): Promise<RoutingSnapshot> {
    return this.db.transaction().execute(async (trx) => {
      const revision = await trx.selectFrom('routing_revision').select('revision').executeTakeFirst();
      const trunks = await trx.selectFrom('trunks').selectAll().orderBy('name').execute();
      const gateways = await trx.selectFrom('trunk_gateways').selectAll().orderBy('id').execute();
      const routes = await trx.selectFrom('lcr_routes').selectAll().orderBy('prefix').orderBy('id').execute();
      return {
        revision: Number(revision?.revision ?? 0),
        trunks: trunks.map(toTrunk),
        gateways: gateways.map(toGateway),
        routes: routes.map(toRoute),
      };
    });
  }

  /** A write in one transaction that also bumps the routing revision. */
  private write<T>(work: (trx: Transaction<StoreSchema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const result = await work(trx);
      await trx
        .updateTable('routing_revision')
        .set((eb) => ({ revision: eb('revision', '+', 1) }))
        .where('id', '=', 1)
        .execute();
      return result;
    });
  }

  /** Checked before the insert: PostgreSQL aborts the whole transaction on a violation. */
  private async insertGateway(
    trx: Transaction<StoreSchema>,
    row: ReturnType<typeof gatewayRow>,
  ): Promise<void> {
    if (await findGateway(trx, row.id)) throw new ConflictError(`gateway ${row.id} already exists`);
    const same = await trx
      .selectFrom('trunk_gateways')
      .select('id')
      .where('trunk', '=', row.trunk)
      .where('uri', '=', row.uri)
      .executeTakeFirst();
    if (same) throw new ConflictError(`trunk ${row.trunk} already has a gateway ${row.uri} (${same.id})`);
    try {
      await trx.insertInto('trunk_gateways').values(row).execute();
    } catch (e) {
      if (this.flavor.violation(e) === 'unique')
        throw new ConflictError(`gateway ${row.id} was added meanwhile`);
      throw e;
    }
  }

  /**
   * Checked before the insert (an id taken, or the same prefix, trunk and bands as a stored
   * route), naming the row: PostgreSQL aborts the whole transaction on a violation.
   */
  private async insertRoutes(
    trx: Transaction<StoreSchema>,
    rows: Insertable<LcrRoutesTable>[],
    rowNumber: (i: number) => number | undefined = () => undefined,
  ): Promise<void> {
    const ids = await trx
      .selectFrom('lcr_routes')
      .select('id')
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const taken = new Set(ids.map((r) => r.id));
    const keys = await trx
      .selectFrom('lcr_routes')
      .select(['id', 'prefix', 'trunk', 'time_bands'])
      .where('prefix', 'in', [...new Set(rows.map((r) => r.prefix))])
      .execute();
    const existing = new Map(keys.map((k) => [routeKey(k), k.id]));
    rows.forEach((row, i) => {
      atRow(rowNumber(i), () => {
        if (taken.has(row.id)) throw new ConflictError(`route ${row.id} already exists`);
        const same = existing.get(routeKey(row));
        if (same !== undefined) throw duplicateRoute(row, same);
      });
    });
    try {
      await trx.insertInto('lcr_routes').values(rows).execute();
    } catch (e) {
      if (this.flavor.violation(e) === 'unique') {
        throw new ConflictError(
          'a route was added meanwhile with the same id or prefix, trunk and time bands',
        );
      }
      throw e;
    }
  }

  /**
   * Inbound recognition must name one trunk: no source network and no digest username may
   * belong to two trunks (the most specific network wins when they nest).
   */
  private async checkInboundUnique(
    trx: Transaction<StoreSchema>,
    name: string,
    cidrs: string,
    username: string | null,
    tlsName: string | null,
  ): Promise<void> {
    const others = await trx
      .selectFrom('trunks')
      .select(['name', 'inbound_cidrs', 'inbound_username', 'inbound_tls_name'])
      .where('name', '!=', name)
      .execute();
    const mine = cidrs === '' ? [] : cidrs.split(',');
    for (const other of others) {
      const theirs = other.inbound_cidrs === '' ? [] : other.inbound_cidrs.split(',');
      const shared = mine.find((c) => theirs.includes(c));
      if (shared) throw new ConflictError(`inbound CIDR ${shared} is already trunk ${other.name}'s`);
      if (username !== null && other.inbound_username === username) {
        throw new ConflictError(`inbound username ${username} is already trunk ${other.name}'s`);
      }
      if (tlsName !== null && other.inbound_tls_name === tlsName) {
        throw new ConflictError(`inbound TLS name ${tlsName} is already trunk ${other.name}'s`);
      }
    }
  }
}

/** The input with the changes applied: a value replaces, null removes, undefined keeps. */
function applyChanges<T extends object>(input: T, changes: object): T {
  const merged = { ...input } as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged as T;
}

async function findTrunk(db: Db, name: string): Promise<Trunk | undefined> {
  const row = await db.selectFrom('trunks').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toTrunk(row);
}

async function findGateway(db: Db, id: string): Promise<Gateway | undefined> {
  const row = await db.selectFrom('trunk_gateways').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toGateway(row);
}

async function findRoute(db: Db, id: string): Promise<LcrRoute | undefined> {
  const row = await db.selectFrom('lcr_routes').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRoute(row);
}

function trunkNotFound(name: string): NotFoundError {
  return new NotFoundError(`trunk ${name} does not exist`, `add it first: switchboard trunk add ${name}`);
}

function gatewayNotFound(id: string): NotFoundError {
  return new NotFoundError(`gateway ${id} does not exist`);
}

function routeNotFound(id: string): NotFoundError {
  return new NotFoundError(`route ${id} does not exist`);
}

type RouteKeyFields = Pick<Insertable<LcrRoutesTable>, 'prefix' | 'trunk' | 'time_bands'>;

function routeKey(row: RouteKeyFields): string {
  return `${row.prefix}\n${row.trunk}\n${row.time_bands}`;
}

function describeRoute(row: RouteKeyFields): string {
  const bands = row.time_bands === '' ? 'always' : row.time_bands;
  return `prefix ${row.prefix === '' ? "'' (every number)" : row.prefix} to trunk ${row.trunk}, ${bands}`;
}

function duplicateRoute(row: RouteKeyFields, existing?: string): ConflictError {
  return new ConflictError(
    `a route for ${describeRoute(row)} already exists${existing ? ` (${existing})` : ''}`,
    'change its priority or price instead, or give different time bands',
  );
}

/** Runs a row's check, prefixing any error with its 1-based row number (none: a single write). */
function atRow<T>(i: number | undefined, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof Error && i !== undefined) e.message = `row ${i + 1}: ${e.message}`;
    throw e;
  }
}
