import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { postgresFlavor } from './flavor.js';
import { migrate } from './migrate.js';
import { withoutPassword } from './redact.js';
import type { StoreSchema } from './schema.js';
import { SqlProvisioningStore } from './sql-store.js';

export interface PostgresOpenOptions {
  /** Keep the tables in this schema (created if missing) instead of the role's default (`public`). */
  schema?: string;
  /** Most connections the pool opens. */
  maxConnections?: number;
}

// Schema names are put into SQL text (they cannot be bound): allow plain identifiers only.
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** The scale-out backend: PostgreSQL through a connection pool, migrated on open. */
export class PostgresProvisioningStore extends SqlProvisioningStore {
  /**
   * `url` is a libpq-style URL (`postgres://user@host:5432/db`); a `schema` query parameter there
   * works like `options.schema`. The password may also come from PGPASSWORD or ~/.pgpass.
   */
  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresProvisioningStore> {
    const { connectionString, schema } = splitSchema(url, options.schema);
    const pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5000,
      // Every connection of the pool then finds (and creates) the tables in the schema.
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
    try {
      if (schema) await pool.query(`create schema if not exists ${schema}`);
      await migrate(db, postgresFlavor);
    } catch (e) {
      await db.destroy();
      throw e;
    }
    return new PostgresProvisioningStore(db, postgresFlavor, withoutPassword(url));
  }
}

function splitSchema(
  url: string,
  explicit: string | undefined,
): { connectionString: string; schema?: string } {
  const parsed = new URL(url);
  const schema = explicit ?? parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA.test(schema))
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: expected [a-z_][a-z0-9_]*`);
  return schema === undefined ? { connectionString: parsed.href } : { connectionString: parsed.href, schema };
}
