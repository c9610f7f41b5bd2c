import { type Kysely, sql } from 'kysely';
import type { SqlFlavor } from './flavor.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { StoreSchema } from './schema.js';

/**
 * Brings the schema up to date: applies, in order and in one transaction, the migrations not yet
 * in `schema_migrations`. Running it again applies nothing. Returns the versions it applied.
 */
export async function migrate(
  db: Kysely<StoreSchema>,
  flavor: SqlFlavor,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    await flavor.lockForMigration(trx);
    await sql
      .raw(
        `create table if not exists schema_migrations (
          version integer primary key,
          name text not null,
          applied_at ${flavor.types.time} not null
        )`,
      )
      .execute(trx);
    const rows = await trx.selectFrom('schema_migrations').select('version').execute();
    const applied = new Set(rows.map((r) => Number(r.version)));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    // An older program must not write into a schema it does not understand.
    if (newest > known) {
      throw new Error(
        `the database schema is at version ${newest}, newer than this Switchboard knows (${known}): upgrade Switchboard`,
      );
    }
    const pending = [...migrations]
      .sort((a, b) => a.version - b.version)
      .filter((m) => !applied.has(m.version));
    for (const migration of pending) {
      for (const statement of migration.statements(flavor.types)) await sql.raw(statement).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, applied_at: flavor.time(new Date()) })
        .execute();
    }
    return pending.map((m) => m.version);
  });
}
