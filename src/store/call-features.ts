import type { Kysely, Selectable, Transaction } from 'kysely';
import { NotFoundError } from './errors.js';
import type {
  CallFeatureRepository,
  CallFeatures,
  DomainFeatures,
  FeatureChanges,
  StoredFeatures,
} from './feature-types.js';
import { checkFeatureChanges } from './feature-validate.js';
import { type SqlFlavor, toBool, toDate } from './flavor.js';
import { PreparedQuery } from './prepared-query.js';
import { address } from './rows.js';
import type { DomainFeaturesTable, FeatureColumns, StoreSchema, SubscriberFeaturesTable } from './schema.js';
import { checkDomain, checkUser } from './validate.js';

type Db = Kysely<StoreSchema> | Transaction<StoreSchema>;
/** The feature columns as read and written (flags 0/1 on SQLite, booleans on PostgreSQL). */
type Columns = {
  [K in keyof Omit<FeatureColumns, 'updated_at'>]: K extends 'reject_anonymous' | 'clir'
    ? boolean | number | null
    : FeatureColumns[K];
};
type NumberingColumns = Pick<
  DomainFeaturesTable,
  'country_code' | 'national_prefix' | 'international_prefix' | 'area_code'
>;

const EMPTY: Columns = {
  forward_always: null,
  forward_busy: null,
  forward_no_answer: null,
  ring_timeout: null,
  forward_unreachable: null,
  bar_incoming: null,
  bar_outgoing: null,
  reject_anonymous: null,
  clir: null,
  max_diversions: null,
};
const NO_NUMBERING: NumberingColumns = {
  country_code: null,
  national_prefix: null,
  international_prefix: null,
  area_code: null,
};

/** Call features of subscribers and the defaults of domains, on either SQL backend. */
export class SqlCallFeatures implements CallFeatureRepository {
  /** The lookups every call makes, compiled once (building a Kysely query costs more than SQLite's answer). */
  private readonly subscriberQuery: PreparedQuery<Selectable<SubscriberFeaturesTable>>;
  private readonly domainQuery: PreparedQuery<Selectable<DomainFeaturesTable>>;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {
    this.subscriberQuery = new PreparedQuery(subscriberLookup(db, '', ''), 2);
    this.domainQuery = new PreparedQuery(domainLookup(db, ''), 1);
  }

  async getSubscriberFeatures(username: string, domain: string) {
    const row = await subscriberRow(this.db, username, domain.toLowerCase());
    return row && { features: toFeatures(row), updatedAt: toDate(row.updated_at) };
  }

  updateSubscriberFeatures(username: string, domain: string, changes: FeatureChanges<CallFeatures>) {
    return this.writeSubscriber(username, domain, changes, false);
  }

  replaceSubscriberFeatures(username: string, domain: string, features: CallFeatures) {
    return this.writeSubscriber(username, domain, { ...features }, true);
  }

  async removeSubscriberFeatures(username: string, domain: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('subscriber_features')
      .where('domain', '=', domain.toLowerCase())
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getDomainFeatures(domain: string) {
    const row = (await this.domainQuery.run(this.db, [domain.toLowerCase()])).rows[0];
    return row && { features: toDomainFeatures(row), updatedAt: toDate(row.updated_at) };
  }

  updateDomainFeatures(domain: string, changes: FeatureChanges<DomainFeatures>) {
    return this.writeDomain(domain, changes, false);
  }

  replaceDomainFeatures(domain: string, features: DomainFeatures) {
    return this.writeDomain(domain, { ...features }, true);
  }

  async removeDomainFeatures(domain: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('domain_features')
      .where('domain', '=', domain.toLowerCase())
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async effectiveFeatures(username: string, domain: string): Promise<DomainFeatures> {
    const lower = domain.toLowerCase();
    const [own, defaults] = await Promise.all([
      this.subscriberQuery.run(this.db, [lower, username]).then((r) => r.rows[0]),
      this.domainQuery.run(this.db, [lower]).then((r) => r.rows[0]),
    ]);
    const merged: DomainFeatures = defaults ? toDomainFeatures(defaults) : {};
    if (own) Object.assign(merged, toFeatures(own));
    return merged;
  }

  /** Checked first, then read-modify-write in one transaction: a refused change stores nothing. */
  private async writeSubscriber(
    username: string,
    domain: string,
    input: Record<string, unknown>,
    replace: boolean,
  ): Promise<StoredFeatures<CallFeatures>> {
    const user = checkUser(username);
    const lower = checkDomain(domain);
    const changes = checkFeatureChanges(input, false);
    const updatedAt = new Date();
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx
        .selectFrom('subscribers')
        .select('username')
        .where('domain', '=', lower)
        .where('username', '=', user)
        .executeTakeFirst();
      if (!exists) throw new NotFoundError(`subscriber ${address(user, lower)} does not exist`);
      const current = replace ? undefined : await subscriberRow(trx, user, lower);
      const columns = { ...(current ? pickColumns(current) : EMPTY), ...this.toColumns(changes) };
      const row = { domain: lower, username: user, ...columns, updated_at: this.flavor.time(updatedAt) };
      const { domain: _d, username: _u, ...set } = row;
      await trx
        .insertInto('subscriber_features')
        .values(row)
        .onConflict((oc) => oc.columns(['domain', 'username']).doUpdateSet(set))
        .execute();
      return { features: toFeatures(row), updatedAt };
    });
  }

  private async writeDomain(
    domain: string,
    input: Record<string, unknown>,
    replace: boolean,
  ): Promise<StoredFeatures<DomainFeatures>> {
    const lower = checkDomain(domain);
    const changes = checkFeatureChanges(input, true);
    const updatedAt = new Date();
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx
        .selectFrom('domains')
        .select('name')
        .where('name', '=', lower)
        .executeTakeFirst();
      if (!exists)
        throw new NotFoundError(
          `domain ${lower} does not exist`,
          `add it first: switchboard domain add ${lower}`,
        );
      const current = replace ? undefined : await domainRow(trx, lower);
      const { numbering, ...rest } = changes;
      let plan: NumberingColumns = current ? pickNumbering(current) : NO_NUMBERING;
      if (numbering === null) plan = NO_NUMBERING;
      else if (numbering !== undefined) {
        const n = numbering as NonNullable<DomainFeatures['numbering']>;
        plan = {
          country_code: n.countryCode,
          national_prefix: n.nationalPrefix ?? null,
          international_prefix: n.internationalPrefix ?? null,
          area_code: n.areaCode ?? null,
        };
      }
      const columns = { ...(current ? pickColumns(current) : EMPTY), ...this.toColumns(rest), ...plan };
      const row = { domain: lower, ...columns, updated_at: this.flavor.time(updatedAt) };
      const { domain: _d, ...set } = row;
      await trx
        .insertInto('domain_features')
        .values(row)
        .onConflict((oc) => oc.column('domain').doUpdateSet(set))
        .execute();
      return { features: toDomainFeatures(row), updatedAt };
    });
  }

  /** Checked changes as columns: only the fields named (null clears). */
  private toColumns(changes: Record<string, unknown>): Partial<Columns> {
    const out: Partial<Columns> = {};
    const text = (v: unknown) => (v === null ? null : (v as string));
    const list = (v: unknown) => (v === null ? null : JSON.stringify(v));
    const flag = (v: unknown) => (v === null ? null : this.flavor.flag(v as boolean));
    const int = (v: unknown) => (v === null ? null : (v as number));
    for (const [field, value] of Object.entries(changes)) {
      if (field === 'forwardAlways') out.forward_always = text(value);
      else if (field === 'forwardBusy') out.forward_busy = text(value);
      else if (field === 'forwardNoAnswer') out.forward_no_answer = text(value);
      else if (field === 'forwardUnreachable') out.forward_unreachable = text(value);
      else if (field === 'ringTimeout') out.ring_timeout = int(value);
      else if (field === 'maxDiversions') out.max_diversions = int(value);
      else if (field === 'barIncoming') out.bar_incoming = list(value);
      else if (field === 'barOutgoing') out.bar_outgoing = list(value);
      else if (field === 'rejectAnonymous') out.reject_anonymous = flag(value);
      else if (field === 'clir') out.clir = flag(value);
    }
    return out;
  }
}

function subscriberLookup(db: Db, username: string, domain: string) {
  return db
    .selectFrom('subscriber_features')
    .selectAll()
    .where('domain', '=', domain)
    .where('username', '=', username);
}

function domainLookup(db: Db, domain: string) {
  return db.selectFrom('domain_features').selectAll().where('domain', '=', domain);
}

async function subscriberRow(db: Db, username: string, domain: string) {
  return subscriberLookup(db, username, domain).executeTakeFirst();
}

async function domainRow(db: Db, domain: string) {
  return domainLookup(db, domain).executeTakeFirst();
}

function pickColumns(row: Columns): Columns {
  return {
    forward_always: row.forward_always,
    forward_busy: row.forward_busy,
    forward_no_answer: row.forward_no_answer,
    ring_timeout: row.ring_timeout,
    forward_unreachable: row.forward_unreachable,
    bar_incoming: row.bar_incoming,
    bar_outgoing: row.bar_outgoing,
    reject_anonymous: row.reject_anonymous,
    clir: row.clir,
    max_diversions: row.max_diversions,
  };
}

function pickNumbering(row: NumberingColumns): NumberingColumns {
  return {
    country_code: row.country_code,
    national_prefix: row.national_prefix,
    international_prefix: row.international_prefix,
    area_code: row.area_code,
  };
}

/** The settings a row holds; unset (null) columns are left out. */
function toFeatures(row: Columns): CallFeatures {
  const f: CallFeatures = {};
  if (row.forward_always !== null) f.forwardAlways = row.forward_always;
  if (row.forward_busy !== null) f.forwardBusy = row.forward_busy;
  if (row.forward_no_answer !== null) f.forwardNoAnswer = row.forward_no_answer;
  if (row.ring_timeout !== null) f.ringTimeout = Number(row.ring_timeout);
  if (row.forward_unreachable !== null) f.forwardUnreachable = row.forward_unreachable;
  if (row.bar_incoming !== null) f.barIncoming = JSON.parse(row.bar_incoming) as string[];
  if (row.bar_outgoing !== null) f.barOutgoing = JSON.parse(row.bar_outgoing) as string[];
  if (row.reject_anonymous !== null) f.rejectAnonymous = toBool(row.reject_anonymous);
  if (row.clir !== null) f.clir = toBool(row.clir);
  if (row.max_diversions !== null) f.maxDiversions = Number(row.max_diversions);
  return f;
}

function toDomainFeatures(row: Columns & NumberingColumns): DomainFeatures {
  const f: DomainFeatures = toFeatures(row);
  if (row.country_code !== null) {
    f.numbering = { countryCode: row.country_code };
    if (row.national_prefix !== null) f.numbering.nationalPrefix = row.national_prefix;
    if (row.international_prefix !== null) f.numbering.internationalPrefix = row.international_prefix;
    if (row.area_code !== null) f.numbering.areaCode = row.area_code;
  }
  return f;
}
