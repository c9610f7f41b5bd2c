import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { sqliteFlavor } from './flavor.js';
import { migrate } from './migrate.js';
import type { StoreSchema } from './schema.js';
import { SqlProvisioningStore } from './sql-store.js';

/** The embedded default: one SQLite file, migrated on open. */
export class SqliteProvisioningStore extends SqlProvisioningStore {
  /** Opens (creating if needed) the database file; `:memory:` works for throwaway stores. */
  static async open(file: string): Promise<SqliteProvisioningStore> {
    const database = new Database(file);
    try {
      // WAL lets the CLI read while a node writes; NORMAL sync is durable enough under WAL.
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      // Foreign keys are off by default in SQLite, per connection.
      database.pragma('foreign_keys = ON');
      // A second process (the CLI next to a node) waits for a write lock instead of failing.
      database.pragma('busy_timeout = 5000');
      // SQLite's own 2 MiB page cache, not better-sqlite3's 16 MiB: pages the cache misses come from
      // the kernel's file cache, which is not charged to this process; 16 MiB was 160 B per
      // contact of a 100,000-subscriber registrar's resident memory.
      database.pragma('cache_size = -2000');
    } catch (e) {
      database.close();
      throw e;
    }
    cacheStatements(database);
    const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
    try {
      await migrate(db, sqliteFlavor);
    } catch (e) {
      await db.destroy();
      throw e;
    }
    // Changes when another connection (the CLI, another process) commits: their policy changes show at once.
    const dataVersion = database.prepare('PRAGMA data_version').pluck();
    return new SqliteProvisioningStore(
      db,
      sqliteFlavor,
      file,
      { version: () => dataVersion.get() as number },
      database,
    );
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; on a registrar that is one prepare per
 * REGISTER. Reuse prepared statements by SQL text (better-sqlite3 runs them synchronously, so
 * one statement object is never in use twice at once). Bounded: past the bound, no caching.
 */
function cacheStatements(database: Database.Database): void {
  const prepare = database.prepare.bind(database);
  const statements = new Map<string, Database.Statement>();
  database.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (statements.size < 500) statements.set(sql, statement);
    }
    return statement;
  }) as typeof database.prepare;
}
