import type { Insertable, Kysely, Transaction } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError, StoreError } from './errors.js';
import type { SqlFlavor } from './flavor.js';
import { digestSecrets } from './ha1.js';
import { address } from './rows.js';
import type { StoreSchema, SubscribersTable } from './schema.js';
import type { ImportProgress, NewSubscriber } from './types.js';
import { checkDisplayName, checkDomain, checkPassword, checkUser } from './validate.js';

// Rows per INSERT: 500 × 7 parameters stays far below SQLite's and PostgreSQL's limits.
const BATCH = 500;

type Row = Insertable<SubscribersTable>;

/**
 * Inserts every row in one transaction, or none: the rows are checked first (names, duplicates
 * among them, domains that exist, subscribers or aliases already there) and the first problem is
 * thrown with its row number (1-based). Progress is reported after each batch.
 */
export async function importSubscribers(
  db: Kysely<StoreSchema>,
  flavor: SqlFlavor,
  input: readonly NewSubscriber[],
  onProgress?: (p: ImportProgress) => void,
): Promise<number> {
  const rows = prepare(input, flavor);
  const total = rows.length;
  await db.transaction().execute(async (trx) => {
    await checkAgainstStore(trx, rows);
    for (let start = 0; start < total; start += BATCH) {
      try {
        await trx
          .insertInto('subscribers')
          .values(rows.slice(start, start + BATCH))
          .execute();
      } catch (e) {
        // Only a concurrent writer gets here: the checks above saw no duplicate.
        if (flavor.violation(e) === 'unique')
          throw new ConflictError('a subscriber in the import was added meanwhile; nothing was imported');
        throw e;
      }
      onProgress?.({ done: Math.min(start + BATCH, total), total });
    }
  });
  return total;
}

function prepare(input: readonly NewSubscriber[], flavor: SqlFlavor): Row[] {
  const now = flavor.time(new Date());
  const seen = new Map<string, number>();
  return input.map((subscriber, i) =>
    atRow(i, () => {
      const username = checkUser(subscriber.username);
      const domain = checkDomain(subscriber.domain);
      const key = address(username, domain);
      const first = seen.get(key);
      if (first !== undefined) throw new ConflictError(`${key} is also on row ${first + 1}`);
      seen.set(key, i);
      const secrets = digestSecrets(username, domain, checkPassword(subscriber.password));
      return {
        domain,
        username,
        display_name: checkDisplayName(subscriber.displayName) ?? null,
        enabled: flavor.flag(subscriber.enabled ?? true),
        ha1_md5: secrets.ha1Md5,
        ha1_sha256: secrets.ha1Sha256,
        created_at: now,
      };
    }),
  );
}

async function checkAgainstStore(trx: Transaction<StoreSchema>, rows: Row[]): Promise<void> {
  const byDomain = new Map<string, Map<string, number>>();
  rows.forEach((row, i) => {
    const users = byDomain.get(row.domain) ?? new Map<string, number>();
    users.set(row.username, i);
    byDomain.set(row.domain, users);
  });
  for (const [domain, users] of byDomain) {
    const exists = await trx
      .selectFrom('domains')
      .select('name')
      .where('name', '=', domain)
      .executeTakeFirst();
    if (!exists) {
      const first = users.values().next().value!;
      throw new NotFoundError(
        `row ${first + 1}: domain ${domain} does not exist`,
        `add it first: switchboard domain add ${domain}`,
      );
    }
    const names = [...users.keys()];
    for (let start = 0; start < names.length; start += BATCH) {
      const chunk = names.slice(start, start + BATCH);
      const subscriber = await trx
        .selectFrom('subscribers')
        .select('username')
        .where('domain', '=', domain)
        .where('username', 'in', chunk)
        .executeTakeFirst();
      if (subscriber) {
        const row = users.get(subscriber.username)! + 1;
        throw new ConflictError(
          `row ${row}: subscriber ${address(subscriber.username, domain)} already exists`,
        );
      }
      const alias = await trx
        .selectFrom('aliases')
        .select(['alias', 'username', 'kind'])
        .where('domain', '=', domain)
        .where('alias', 'in', chunk)
        .executeTakeFirst();
      if (alias) {
        const row = users.get(alias.alias)! + 1;
        throw new ConflictError(
          `row ${row}: ${address(alias.alias, domain)} is already an ${alias.kind} of ${address(alias.username, domain)}`,
        );
      }
    }
  }
}

/** Runs a row's checks, prefixing a refusal with its row number. */
function atRow<T>(index: number, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    const Refusal = e instanceof ConflictError ? ConflictError : InvalidInputError;
    throw new Refusal(`row ${index + 1}: ${e.message}`);
  }
}
