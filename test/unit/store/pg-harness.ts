import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresProvisioningStore } from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

export const PG_URL = process.env['SWITCHBOARD_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Why the PostgreSQL suite cannot run here, or undefined when it can. With
 * SWITCHBOARD_REQUIRE_PEERS=1 (CI) an unreachable server throws instead: CI must not skip silently.
 */
export async function postgresSkipReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    const reason = `PostgreSQL not reachable at ${PG_URL} (${describe(e)}; set SWITCHBOARD_TEST_PG_URL)`;
    if (process.env['SWITCHBOARD_REQUIRE_PEERS'] === '1') throw new Error(reason);
    return reason;
  } finally {
    await client.end().catch(() => {});
  }
}

function describe(e: unknown): string {
  if (e instanceof AggregateError && e.message === '') return e.errors.map(describe).join('; ');
  return e instanceof Error ? e.message || e.name : String(e);
}

/** A unique schema per database, so parallel and repeated runs never see each other's tables. */
export function uniqueSchema(): string {
  return `sb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function postgresHarness(): StoreHarness {
  const schema = uniqueSchema();
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${schema}` });
  const stores: PostgresProvisioningStore[] = [];
  return {
    async open() {
      const store = await PostgresProvisioningStore.open(PG_URL, { schema, maxConnections: 4 });
      stores.push(store);
      return store;
    },
    async exec(sql) {
      await admin.query(sql);
    },
    async dump(table) {
      const result = await admin.query(`select row_to_json(t)::text as row from ${table} t`);
      return result.rows.map((r: { row: string }) => r.row).join('\n');
    },
    async cleanup() {
      for (const store of stores) await store.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}
