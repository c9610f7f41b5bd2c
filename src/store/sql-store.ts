import type Database from 'better-sqlite3';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { SqlApiKeys } from './api-keys.js';
import { SqlBans } from './bans.js';
import { SqlCallFeatures } from './call-features.js';
import { SqlCallJournal } from './call-journal.js';
import type { CallJournalRepository } from './call-journal-types.js';
import { SqlCallPolicies } from './call-policies.js';
import { CachedCallPolicies, type CallPolicyCacheOptions } from './call-policy-cache.js';
import type { CallPolicyRepository } from './call-policy-types.js';
import type { CdrRepository } from './cdr-types.js';
import { SqlCdrs } from './cdrs.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { CallFeatureRepository } from './feature-types.js';
import type { SqlFlavor } from './flavor.js';
import { digestSecrets } from './ha1.js';
import { importSubscribers } from './import-subscribers.js';
import { PreparedQuery } from './prepared-query.js';
import { SqlRecordingIndex } from './recording-index.js';
import { address, toAlias, toBinding, toDomain, toSubscriber } from './rows.js';
import type { StoreSchema } from './schema.js';
import type { TrunkRepository } from './trunk-types.js';
import { SqlTrunks } from './trunks.js';
import type {
  AddressAlias,
  ApiKeyRepository,
  BanRepository,
  BindingWrites,
  Domain,
  DomainChanges,
  ImportProgress,
  NewDomainOptions,
  NewSubscriber,
  ProvisioningStore,
  RecordingIndex,
  RemoveDomainOptions,
  StoredBinding,
  Subscriber,
} from './types.js';
import {
  asNumber,
  checkAuthAlgorithms,
  checkDisplayName,
  checkDomain,
  checkNumber,
  checkPassword,
  checkUser,
} from './validate.js';

type Db = Kysely<StoreSchema> | Transaction<StoreSchema>;

/** Rows per multi-row binding write: 13 columns each stays far below SQLite's 32,766 parameters. */
const BINDING_BATCH = 100;
const BINDING_COLUMNS = 13;

/**
 * The provisioning store on SQL, one implementation for both backends: Kysely builds every query
 * with bound parameters, and `flavor` covers what differs (column types, constraint error codes).
 * Writes validate their input and refuse with a StoreError; lookups take anything (they are fed
 * from the network) and simply find nothing.
 */
export class SqlProvisioningStore implements ProvisioningStore {
  private closing: Promise<void> | undefined;
  /** Recordings index and recording policies, in the same database. */
  readonly recordings: RecordingIndex;
  readonly apiKeys: ApiKeyRepository;
  /** The edge's bans, kept across restarts and shared by the nodes of this store. */
  readonly bans: BanRepository;
  /** Call features of subscribers, defaults and numbering plans of domains. */
  readonly features: CallFeatureRepository;
  /** Trunks, their gateways, and least-cost routes, in the same database. */
  readonly trunks: TrunkRepository;
  /** Call detail records of the B2BUA's calls. */
  readonly cdrs: CdrRepository;
  /** Open records of the B2BUA's calls in progress, for CDRs of calls a dead node left. */
  readonly callJournal: CallJournalRepository;
  /** What the B2BUA does with the calls of each subscriber, domain and trunk. */
  readonly callPolicies: CallPolicyRepository;
  /** The same, remembered per party (the B2BUA asks once per call); this store's writes empty it. */
  private readonly policyCache: CachedCallPolicies;
  /** The hot queries, compiled once: a subscriber by name, and full and single-row binding upserts. */
  private readonly subscriberQuery: PreparedQuery<SubscriberRow>;
  private readonly upsertBatch: PreparedQuery<unknown>;
  private readonly upsertOne: PreparedQuery<unknown>;
  /** The same statements run synchronously on the embedded SQLite connection (absent on PostgreSQL). */
  private readonly now: EmbeddedStatements | undefined;

  constructor(
    protected readonly db: Kysely<StoreSchema>,
    readonly flavor: SqlFlavor,
    /** Where the data lives, for messages: a file path or a URL without its password. */
    readonly location: string,
    /** How call policies are cached (`version`: the backend's sign of another process's write). */
    policyCache: CallPolicyCacheOptions = {},
    /**
     * SQLite's own connection under Kysely (better-sqlite3 is synchronous): the registrar's hot
     * statements run on it directly, without Kysely's per-query objects and promise chain.
     */
    embedded?: Database.Database,
  ) {
    this.policyCache = new CachedCallPolicies(new SqlCallPolicies(db, flavor), policyCache);
    const policiesChanged = () => this.policyCache.clear();
    this.recordings = new SqlRecordingIndex(db, flavor, policiesChanged);
    this.apiKeys = new SqlApiKeys(db, flavor);
    this.bans = new SqlBans(db, flavor);
    this.features = new SqlCallFeatures(db, flavor);
    this.trunks = new SqlTrunks(db, flavor, policiesChanged);
    this.cdrs = new SqlCdrs(db, flavor);
    this.callJournal = new SqlCallJournal(db, flavor);
    this.callPolicies = this.policyCache;
    this.subscriberQuery = new PreparedQuery(subscriberLookup(db, '', ''), 2);
    this.upsertBatch = this.bindingUpsert(BINDING_BATCH);
    this.upsertOne = this.bindingUpsert(1);
    this.now = embedded && this.embeddedStatements(embedded);
  }

  async addDomain(name: string, options: NewDomainOptions = {}): Promise<Domain> {
    const row = {
      name: checkDomain(name),
      created_at: this.flavor.time(new Date()),
      auth_algorithms: options.authAlgorithms ? checkAuthAlgorithms(options.authAlgorithms).join(',') : null,
    };
    try {
      await this.db.insertInto('domains').values(row).execute();
    } catch (e) {
      if (this.flavor.violation(e) === 'unique') throw new ConflictError(`domain ${row.name} already exists`);
      throw e;
    }
    return toDomain(row);
  }

  async updateDomain(name: string, changes: DomainChanges): Promise<Domain> {
    const domain = checkDomain(name);
    if (changes.authAlgorithms !== undefined) {
      const value =
        changes.authAlgorithms === null ? null : checkAuthAlgorithms(changes.authAlgorithms).join(',');
      await this.db
        .updateTable('domains')
        .set({ auth_algorithms: value })
        .where('name', '=', domain)
        .execute();
    }
    const row = await this.db.selectFrom('domains').selectAll().where('name', '=', domain).executeTakeFirst();
    if (!row)
      throw new NotFoundError(`domain ${domain} does not exist`, `add it: switchboard domain add ${domain}`);
    return toDomain(row);
  }

  async listDomains(): Promise<Domain[]> {
    const rows = await this.db.selectFrom('domains').selectAll().orderBy('name').execute();
    return rows.map(toDomain);
  }

  async hasDomain(name: string): Promise<boolean> {
    return (await findDomain(this.db, name.toLowerCase())) !== undefined;
  }

  /** Refuses while the domain has subscribers, unless `cascade` removes them (and their aliases) too. */
  async removeDomain(name: string, options: RemoveDomainOptions = {}): Promise<boolean> {
    const domain = checkDomain(name);
    const removed = this.db.transaction().execute(async (trx) => {
      const subscribers = await trx
        .selectFrom('subscribers')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('domain', '=', domain)
        .executeTakeFirstOrThrow();
      const count = Number(subscribers.n);
      if (count > 0 && !options.cascade) {
        throw new ConflictError(
          `domain ${domain} still has ${count} subscriber${count === 1 ? '' : 's'}`,
          'remove them first, or remove the domain with them: switchboard domain remove --force',
        );
      }
      await trx.deleteFrom('aliases').where('domain', '=', domain).execute();
      await trx.deleteFrom('subscribers').where('domain', '=', domain).execute();
      const result = await trx.deleteFrom('domains').where('name', '=', domain).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
    // Its policies and its subscribers' went with it (foreign keys).
    return removed.finally(() => this.policyCache.clear());
  }

  async addSubscriber(input: NewSubscriber): Promise<Subscriber> {
    const username = checkUser(input.username);
    const domain = checkDomain(input.domain);
    const password = checkPassword(input.password);
    const displayName = checkDisplayName(input.displayName);
    const row = {
      domain,
      username,
      display_name: displayName ?? null,
      enabled: this.flavor.flag(input.enabled ?? true),
      ...ha1Columns(username, domain, password),
      created_at: this.flavor.time(new Date()),
    };
    await this.db.transaction().execute(async (trx) => {
      await requireDomain(trx, domain);
      const alias = await findAlias(trx, username, domain);
      if (alias) {
        throw new ConflictError(
          `${address(username, domain)} is already an ${alias.kind} of ${address(alias.username, domain)}`,
        );
      }
      try {
        await trx.insertInto('subscribers').values(row).execute();
      } catch (e) {
        if (this.flavor.violation(e) === 'unique')
          throw new ConflictError(`subscriber ${address(username, domain)} already exists`);
        throw e;
      }
    });
    return toSubscriber(row);
  }

  /** Synchronous on SQLite: a REGISTER's digest check then needs no promise for its subscriber. */
  getSubscriber(username: string, domain: string): Subscriber | undefined | Promise<Subscriber | undefined> {
    const lower = domain.toLowerCase();
    if (this.now?.idle()) {
      const row = this.now.subscriber.get(lower, username) as SubscriberRow | undefined;
      return row && toSubscriber(row);
    }
    return this.subscriberQuery
      .run(this.db, [lower, username])
      .then(({ rows }) => rows[0] && toSubscriber(rows[0]));
  }

  async listSubscribers(domain?: string): Promise<Subscriber[]> {
    let query = this.db.selectFrom('subscribers').selectAll();
    if (domain !== undefined) query = query.where('domain', '=', domain.toLowerCase());
    const rows = await query.orderBy('domain').orderBy('username').execute();
    return rows.map(toSubscriber);
  }

  /** Removes the subscriber with its aliases, numbers and the bindings of its `sip:` AoR. */
  async removeSubscriber(username: string, domain: string): Promise<boolean> {
    const lower = domain.toLowerCase();
    const removed = this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('aliases').where('domain', '=', lower).where('username', '=', username).execute();
      await trx
        .deleteFrom('bindings')
        .where('aor', '=', `sip:${address(username, lower)}`)
        .execute();
      const result = await trx
        .deleteFrom('subscribers')
        .where('domain', '=', lower)
        .where('username', '=', username)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
    return removed.finally(() => this.policyCache.clear());
  }

  async setPassword(username: string, domain: string, password: string): Promise<boolean> {
    const lower = domain.toLowerCase();
    const result = await this.db
      .updateTable('subscribers')
      .set(ha1Columns(username, lower, checkPassword(password)))
      .where('domain', '=', lower)
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setEnabled(username: string, domain: string, enabled: boolean): Promise<boolean> {
    const lower = domain.toLowerCase();
    const result = await this.db
      .updateTable('subscribers')
      .set({ enabled: this.flavor.flag(enabled) })
      .where('domain', '=', lower)
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async importSubscribers(rows: NewSubscriber[], onProgress?: (p: ImportProgress) => void): Promise<number> {
    return importSubscribers(this.db, this.flavor, rows, onProgress);
  }

  /** Numbers are stored as `+digits` under the subscriber's domain; aliases must be in that domain. */
  async addAlias(input: AddressAlias): Promise<AddressAlias> {
    const domain = checkDomain(input.domain);
    const username = checkUser(input.username);
    const alias = input.kind === 'number' ? checkNumber(input.alias) : checkUser(input.alias, 'alias');
    const wanted: AddressAlias = { alias, domain, username, kind: input.kind };
    await this.db.transaction().execute(async (trx) => {
      if (!(await findSubscriber(trx, username, domain)))
        throw new NotFoundError(`subscriber ${address(username, domain)} does not exist`);
      if (input.kind === 'alias' && (await findSubscriber(trx, alias, domain)))
        throw new ConflictError(`${address(alias, domain)} is a subscriber: an alias cannot hide it`);
      const taken =
        input.kind === 'number' ? await findNumber(trx, alias) : await findAlias(trx, alias, domain);
      if (taken) throw new ConflictError(takenMessage(taken));
      try {
        await trx
          .insertInto('aliases')
          .values({ ...wanted, created_at: this.flavor.time(new Date()) })
          .execute();
      } catch (e) {
        if (this.flavor.violation(e) === 'unique') throw new ConflictError(takenMessage(wanted));
        throw e;
      }
    });
    return wanted;
  }

  async listAliases(domain?: string): Promise<AddressAlias[]> {
    let query = this.db.selectFrom('aliases').select(['alias', 'domain', 'username', 'kind']);
    if (domain !== undefined) query = query.where('domain', '=', domain.toLowerCase());
    const rows = await query.orderBy('domain').orderBy('kind').orderBy('alias').execute();
    return rows.map(toAlias);
  }

  /** `alias` may be an alias or a number in any of its spellings (`14155550100`, `+1 415 555 0100`). */
  async removeAlias(alias: string, domain: string): Promise<boolean> {
    const number = asNumber(alias);
    const result = await this.db
      .deleteFrom('aliases')
      .where('domain', '=', domain.toLowerCase())
      .where((eb) =>
        number
          ? eb.or([eb('alias', '=', alias), eb.and([eb('kind', '=', 'number'), eb('alias', '=', number)])])
          : eb('alias', '=', alias),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Who a number is assigned to, whatever its domain (numbers are unique platform-wide). */
  async findNumber(number: string): Promise<AddressAlias | undefined> {
    const normalized = asNumber(number);
    return normalized ? findNumber(this.db, normalized) : undefined;
  }

  /**
   * Username first, then an alias in the domain, then a number (with or without '+') in any
   * domain: a DID reaches its subscriber however the caller's side names the domain (a trunk
   * often sends `sip:+14155550100@<our address>`). Disabled subscribers are returned too: the
   * caller decides (403 for REGISTER, for example).
   */
  async resolveUser(user: string, domain: string): Promise<Subscriber | undefined> {
    const lower = domain.toLowerCase();
    const direct = await findSubscriber(this.db, user, lower);
    if (direct) return direct;
    const alias = await findAlias(this.db, user, lower);
    if (alias) return findSubscriber(this.db, alias.username, alias.domain);
    const number = asNumber(user);
    const owner = number === undefined ? undefined : await findNumber(this.db, number);
    return owner ? findSubscriber(this.db, owner.username, owner.domain) : undefined;
  }

  async saveBinding(binding: StoredBinding): Promise<void> {
    const row = this.bindingRow(binding);
    const { aor: _aor, contact: _contact, ...changes } = row;
    await this.db
      .insertInto('bindings')
      .values(row)
      .onConflict((oc) => oc.columns(['aor', 'contact']).doUpdateSet(changes))
      .execute();
  }

  async removeBinding(aor: string, contact: string): Promise<void> {
    await this.db.deleteFrom('bindings').where('aor', '=', aor).where('contact', '=', contact).execute();
  }

  async writeBindings(changes: BindingWrites): Promise<void> {
    if (changes.save.length === 0 && changes.remove.length === 0) return;
    if (this.now?.idle()) {
      this.now.writeBindings(changes);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < changes.remove.length; i += BINDING_BATCH) {
        const keys = changes.remove.slice(i, i + BINDING_BATCH);
        await trx
          .deleteFrom('bindings')
          .where((eb) =>
            eb.or(keys.map((k) => eb.and([eb('aor', '=', k.aor), eb('contact', '=', k.contact)]))),
          )
          .execute();
      }
      // Full batches as one multi-row upsert, the rest row by row, both compiled once: building a
      // statement per write costs more than the write (keys are unique: one write per AoR+contact).
      let i = 0;
      for (; i + BINDING_BATCH <= changes.save.length; i += BINDING_BATCH) {
        await this.upsertBatch.run(
          trx,
          changes.save.slice(i, i + BINDING_BATCH).flatMap((b) => this.bindingValues(b)),
        );
      }
      for (; i < changes.save.length; i++)
        await this.upsertOne.run(trx, this.bindingValues(changes.save[i]!));
    });
  }

  /**
   * The subscriber lookup and the binding writes prepared on the SQLite connection. `idle()`: no
   * Kysely transaction is open on it (one holds the connection across awaits); only then do these
   * run directly, so they never read another's uncommitted rows or write inside its transaction.
   */
  private embeddedStatements(database: Database.Database): EmbeddedStatements {
    const subscriber = database.prepare(this.subscriberQuery.sql);
    const upsert = database.prepare(this.upsertOne.sql);
    const remove = database.prepare(new PreparedQuery(bindingDelete(this.db), 2).sql);
    // One transaction per flush, one prepared statement per row: no statement text of 1,300 parameters.
    const writeBindings = database.transaction((changes: BindingWrites) => {
      for (const k of changes.remove) remove.run(k.aor, k.contact);
      for (const b of changes.save) upsert.run(this.bindingValues(b));
    });
    return { idle: () => !database.inTransaction, subscriber, writeBindings };
  }

  /** An upsert of `rows` bindings (dummy values: only their positions count). */
  private bindingUpsert(rows: number): PreparedQuery<unknown> {
    const template = this.bindingRow({
      aor: '',
      contact: '',
      expiresAt: new Date(0),
      q: 1,
      callId: '',
      cseq: 0,
      source: { protocol: 'udp', address: '', port: 0 },
      path: [],
    });
    const query = this.db
      .insertInto('bindings')
      .values(Array.from({ length: rows }, () => template))
      .onConflict((oc) =>
        oc.columns(['aor', 'contact']).doUpdateSet((eb) => ({
          expires_at: eb.ref('excluded.expires_at'),
          q: eb.ref('excluded.q'),
          call_id: eb.ref('excluded.call_id'),
          cseq: eb.ref('excluded.cseq'),
          source_protocol: eb.ref('excluded.source_protocol'),
          source_address: eb.ref('excluded.source_address'),
          source_port: eb.ref('excluded.source_port'),
          path: eb.ref('excluded.path'),
          instance_id: eb.ref('excluded.instance_id'),
          reg_id: eb.ref('excluded.reg_id'),
          user_agent: eb.ref('excluded.user_agent'),
        })),
      );
    return new PreparedQuery(query, rows * BINDING_COLUMNS);
  }

  /** A binding's column values in bindingRow's column order, the order the upserts bind them. */
  private bindingValues(binding: StoredBinding): unknown[] {
    return Object.values(this.bindingRow(binding));
  }

  private bindingRow(binding: StoredBinding) {
    return {
      aor: binding.aor,
      contact: binding.contact,
      expires_at: this.flavor.time(binding.expiresAt),
      q: binding.q,
      call_id: binding.callId,
      cseq: binding.cseq,
      source_protocol: binding.source.protocol,
      source_address: binding.source.address,
      source_port: binding.source.port,
      path: JSON.stringify(binding.path),
      instance_id: binding.instanceId ?? null,
      reg_id: binding.regId ?? null,
      user_agent: binding.userAgent ?? null,
    };
  }

  async removeBindings(aor: string): Promise<void> {
    await this.db.deleteFrom('bindings').where('aor', '=', aor).execute();
  }

  /** Every stored binding, expired ones included (the location service drops those on load). */
  async loadBindings(): Promise<StoredBinding[]> {
    const rows = await this.db.selectFrom('bindings').selectAll().orderBy('aor').orderBy('contact').execute();
    return rows.map(toBinding);
  }

  /** Deletes bindings that expired before `now`; returns how many. */
  async purgeExpiredBindings(now: Date = new Date()): Promise<number> {
    const result = await this.db
      .deleteFrom('bindings')
      .where('expires_at', '<', this.flavor.time(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The applied schema versions, oldest first. */
  async schemaVersions(): Promise<number[]> {
    const rows = await this.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
    return rows.map((r) => Number(r.version));
  }

  /** Closes the connection (pool); a second call does nothing. */
  async close(): Promise<void> {
    this.closing ??= this.db.destroy();
    await this.closing;
  }
}

export function ha1Columns(username: string, domain: string, password: string) {
  const secrets = digestSecrets(username, domain, password);
  return { ha1_md5: secrets.ha1Md5, ha1_sha256: secrets.ha1Sha256 };
}

export async function requireDomain(db: Db, domain: string): Promise<void> {
  if (!(await findDomain(db, domain)))
    throw new NotFoundError(
      `domain ${domain} does not exist`,
      `add it first: switchboard domain add ${domain}`,
    );
}

interface EmbeddedStatements {
  idle(): boolean;
  subscriber: Database.Statement;
  writeBindings(changes: BindingWrites): void;
}

function bindingDelete(db: Db) {
  return db.deleteFrom('bindings').where('aor', '=', '').where('contact', '=', '');
}

async function findDomain(db: Db, name: string) {
  return db.selectFrom('domains').select('name').where('name', '=', name).executeTakeFirst();
}

function subscriberLookup(db: Db, username: string, domain: string) {
  return db
    .selectFrom('subscribers')
    .selectAll()
    .where('domain', '=', domain)
    .where('username', '=', username);
}

type SubscriberRow = Selectable<StoreSchema['subscribers']>;

async function findSubscriber(db: Db, username: string, domain: string): Promise<Subscriber | undefined> {
  const row = await subscriberLookup(db, username, domain).executeTakeFirst();
  return row && toSubscriber(row);
}

async function findAlias(db: Db, alias: string, domain: string): Promise<AddressAlias | undefined> {
  const row = await db
    .selectFrom('aliases')
    .select(['alias', 'domain', 'username', 'kind'])
    .where('domain', '=', domain)
    .where('alias', '=', alias)
    .executeTakeFirst();
  return row && toAlias(row);
}

async function findNumber(db: Db, number: string): Promise<AddressAlias | undefined> {
  const row = await db
    .selectFrom('aliases')
    .select(['alias', 'domain', 'username', 'kind'])
    .where('kind', '=', 'number')
    .where('alias', '=', number)
    .executeTakeFirst();
  return row && toAlias(row);
}

function takenMessage(taken: AddressAlias): string {
  const owner = address(taken.username, taken.domain);
  return taken.kind === 'number'
    ? `number ${taken.alias} is already assigned to ${owner}`
    : `alias ${address(taken.alias, taken.domain)} already points at ${owner}`;
}
