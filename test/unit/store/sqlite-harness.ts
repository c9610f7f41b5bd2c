import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, SQLITE_FILE, type SqlProvisioningStore } from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

export function sqliteHarness(): StoreHarness & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
  const stores: SqlProvisioningStore[] = [];
  const file = join(dir, SQLITE_FILE);
  const withRaw = <T>(use: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    dir,
    async open() {
      const store = await openStore({ dataDir: dir });
      stores.push(store);
      return store;
    },
    async exec(sql) {
      withRaw((db) => db.exec(sql));
    },
    async dump(table) {
      return withRaw((db) =>
        db
          .prepare(`select * from ${table}`)
          .all()
          .map((row) => JSON.stringify(row))
          .join('\n'),
      );
    },
    async cleanup() {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
