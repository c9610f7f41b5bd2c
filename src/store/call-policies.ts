import type { Kysely, Selectable } from 'kysely';
import type {
  B2buaChoice,
  CallPolicies,
  CallPolicy,
  CallPolicyKeys,
  CallPolicyRepository,
  CallPolicyScope,
  SrtpChoice,
  StoredCallPolicy,
} from './call-policy-types.js';
import { checkCallPolicy } from './call-policy-validate.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import { type SqlFlavor, toBool, toDate } from './flavor.js';
import type { CallPolicyColumns, StoreSchema } from './schema.js';
import { checkDomain, checkUser } from './validate.js';

type Columns = Omit<CallPolicyColumns, 'updated_at'>;

const list = (names: string[] | undefined) => (names === undefined ? null : names.join(','));
const unlist = (text: string | null) => (text === null || text === '' ? undefined : text.split(','));

function toColumns(policy: CallPolicy): Columns {
  return {
    b2bua: policy.b2bua ?? null,
    max_calls: policy.maxCalls ?? null,
    max_call_rate: policy.maxCallRate ?? null,
    codec_allow: list(policy.codecs?.allow),
    codec_strip: list(policy.codecs?.strip),
    codec_order: list(policy.codecs?.order),
    ptime: policy.codecs?.ptime ?? null,
    srtp: policy.srtp ?? null,
  };
}

function toPolicy(row: Selectable<CallPolicyColumns>): CallPolicy {
  const policy: CallPolicy = {};
  if (row.b2bua !== null) policy.b2bua = row.b2bua as B2buaChoice;
  if (row.max_calls !== null) policy.maxCalls = Number(row.max_calls);
  if (row.max_call_rate !== null) policy.maxCallRate = Number(row.max_call_rate);
  const codecs: NonNullable<CallPolicy['codecs']> = {};
  const allow = unlist(row.codec_allow);
  const strip = unlist(row.codec_strip);
  const order = unlist(row.codec_order);
  if (allow) codecs.allow = allow;
  if (strip) codecs.strip = strip;
  if (order) codecs.order = order;
  if (row.ptime !== null) codecs.ptime = Number(row.ptime);
  if (Object.keys(codecs).length > 0) policy.codecs = codecs;
  if (row.srtp !== null) policy.srtp = row.srtp as SrtpChoice;
  return policy;
}

/** `user@domain` split and checked (the domain lower-cased). */
function aor(name: string): { username: string; domain: string } {
  const at = name.lastIndexOf('@');
  if (at < 1) throw new InvalidInputError(`subscriber: expected user@domain, got ${JSON.stringify(name)}`);
  return { username: checkUser(name.slice(0, at)), domain: checkDomain(name.slice(at + 1)) };
}

/** Call policies of subscribers, domains and trunks on either SQL backend. */
export class SqlCallPolicies implements CallPolicyRepository {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {}

  async getCallPolicy(scope: CallPolicyScope, name: string): Promise<StoredCallPolicy | undefined> {
    const row = await this.row(scope, name);
    return row;
  }

  async putCallPolicy(scope: CallPolicyScope, name: string, input: CallPolicy): Promise<StoredCallPolicy> {
    const policy = checkCallPolicy(input);
    const columns = { ...toColumns(policy), updated_at: this.flavor.time(new Date()) };
    try {
      switch (scope) {
        case 'subscriber': {
          const { username, domain } = aor(name);
          await this.db
            .insertInto('subscriber_call_policies')
            .values({ domain, username, ...columns })
            .onConflict((oc) => oc.columns(['domain', 'username']).doUpdateSet(columns))
            .execute();
          break;
        }
        case 'domain':
          await this.db
            .insertInto('domain_call_policies')
            .values({ domain: checkDomain(name), ...columns })
            .onConflict((oc) => oc.column('domain').doUpdateSet(columns))
            .execute();
          break;
        case 'trunk':
          await this.db
            .insertInto('trunk_call_policies')
            .values({ trunk: name, ...columns })
            .onConflict((oc) => oc.column('trunk').doUpdateSet(columns))
            .execute();
          break;
      }
    } catch (e) {
      if (this.flavor.violation(e) === 'foreign-key')
        throw new NotFoundError(`${scope} ${name} does not exist`);
      throw e;
    }
    const stored = await this.row(scope, name);
    if (!stored) throw new NotFoundError(`${scope} ${name} does not exist`);
    return stored;
  }

  async removeCallPolicy(scope: CallPolicyScope, name: string): Promise<boolean> {
    let result: { numDeletedRows: bigint };
    switch (scope) {
      case 'subscriber': {
        const { username, domain } = aor(name);
        result = await this.db
          .deleteFrom('subscriber_call_policies')
          .where('domain', '=', domain)
          .where('username', '=', username)
          .executeTakeFirst();
        break;
      }
      case 'domain':
        result = await this.db
          .deleteFrom('domain_call_policies')
          .where('domain', '=', name.toLowerCase())
          .executeTakeFirst();
        break;
      case 'trunk':
        result = await this.db.deleteFrom('trunk_call_policies').where('trunk', '=', name).executeTakeFirst();
        break;
    }
    return result.numDeletedRows > 0n;
  }

  async listCallPolicies(scope?: CallPolicyScope): Promise<StoredCallPolicy[]> {
    const out: StoredCallPolicy[] = [];
    if (scope === undefined || scope === 'subscriber') {
      const rows = await this.db
        .selectFrom('subscriber_call_policies')
        .selectAll()
        .orderBy('domain')
        .orderBy('username')
        .execute();
      for (const r of rows) out.push(stored('subscriber', `${r.username}@${r.domain}`, r));
    }
    if (scope === undefined || scope === 'domain') {
      const rows = await this.db.selectFrom('domain_call_policies').selectAll().orderBy('domain').execute();
      for (const r of rows) out.push(stored('domain', r.domain, r));
    }
    if (scope === undefined || scope === 'trunk') {
      const rows = await this.db.selectFrom('trunk_call_policies').selectAll().orderBy('trunk').execute();
      for (const r of rows) out.push(stored('trunk', r.trunk, r));
    }
    return out;
  }

  async callPolicies(keys: CallPolicyKeys): Promise<CallPolicies> {
    const found: CallPolicies = {
      subscribers: new Map(),
      domains: new Map(),
      trunks: new Map(),
      recordings: new Map(),
    };
    const parties = keys.subscribers.flatMap((name) => {
      const at = name.lastIndexOf('@');
      return at < 1 ? [] : [{ name, username: name.slice(0, at), domain: name.slice(at + 1).toLowerCase() }];
    });
    const lookups: Array<Promise<void>> = [];
    if (parties.length > 0) {
      lookups.push(
        this.db
          .selectFrom('subscriber_call_policies')
          .selectAll()
          .where((eb) =>
            eb.or(parties.map((p) => eb.and([eb('domain', '=', p.domain), eb('username', '=', p.username)]))),
          )
          .execute()
          .then((rows) => {
            for (const r of rows) found.subscribers.set(`${r.username}@${r.domain}`, toPolicy(r));
          }),
        this.db
          .selectFrom('recording_policies')
          .selectAll()
          .where(
            'subscriber',
            'in',
            parties.map((p) => `${p.username}@${p.domain}`.toLowerCase()),
          )
          .execute()
          .then((rows) => {
            for (const r of rows) {
              const policy: { store: boolean; streamUrl?: string } = { store: toBool(r.stored) };
              if (r.stream_url !== null) policy.streamUrl = r.stream_url;
              found.recordings.set(r.subscriber, policy);
            }
          }),
      );
    }
    const domains = [...new Set(keys.domains.map((d) => d.toLowerCase()))];
    if (domains.length > 0) {
      lookups.push(
        this.db
          .selectFrom('domain_call_policies')
          .selectAll()
          .where('domain', 'in', domains)
          .execute()
          .then((rows) => {
            for (const r of rows) found.domains.set(r.domain, toPolicy(r));
          }),
      );
    }
    const trunks = [...new Set(keys.trunks)];
    if (trunks.length > 0) {
      lookups.push(
        this.db
          .selectFrom('trunk_call_policies')
          .selectAll()
          .where('trunk', 'in', trunks)
          .execute()
          .then((rows) => {
            for (const r of rows) found.trunks.set(r.trunk, toPolicy(r));
          }),
      );
    }
    await Promise.all(lookups);
    return found;
  }

  async hasCallPolicies(): Promise<boolean> {
    const tables = [
      'subscriber_call_policies',
      'domain_call_policies',
      'trunk_call_policies',
      'recording_policies',
    ] as const;
    for (const table of tables) {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => eb.lit(1).as('one'))
        .limit(1)
        .executeTakeFirst();
      if (row) return true;
    }
    return false;
  }

  private async row(scope: CallPolicyScope, name: string): Promise<StoredCallPolicy | undefined> {
    switch (scope) {
      case 'subscriber': {
        const { username, domain } = aor(name);
        const r = await this.db
          .selectFrom('subscriber_call_policies')
          .selectAll()
          .where('domain', '=', domain)
          .where('username', '=', username)
          .executeTakeFirst();
        return r && stored(scope, `${username}@${domain}`, r);
      }
      case 'domain': {
        const r = await this.db
          .selectFrom('domain_call_policies')
          .selectAll()
          .where('domain', '=', name.toLowerCase())
          .executeTakeFirst();
        return r && stored(scope, r.domain, r);
      }
      case 'trunk': {
        const r = await this.db
          .selectFrom('trunk_call_policies')
          .selectAll()
          .where('trunk', '=', name)
          .executeTakeFirst();
        return r && stored(scope, r.trunk, r);
      }
    }
  }
}

function stored(scope: CallPolicyScope, name: string, row: Selectable<CallPolicyColumns>): StoredCallPolicy {
  return { scope, name, policy: toPolicy(row), updatedAt: toDate(row.updated_at) };
}
