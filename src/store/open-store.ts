import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SwitchboardConfig } from '../config/index.js';
import { PostgresProvisioningStore } from './postgres-store.js';
import { withoutPassword } from './redact.js';
import type { SqlProvisioningStore } from './sql-store.js';
import { SqliteProvisioningStore } from './sqlite-store.js';

/** The SQLite file's name inside the data directory. */
export const SQLITE_FILE = 'switchboard.db';

/** The store could not be opened (unreachable server, unwritable directory, newer schema). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Opens the provisioning store the configuration names: `store.url` empty or unset is the SQLite
 * file `switchboard.db` in `dataDir` (the directory is created); `postgres://` is PostgreSQL.
 */
export async function openStore(
  config: Pick<SwitchboardConfig, 'dataDir'> & { store?: SwitchboardConfig['store'] },
): Promise<SqlProvisioningStore> {
  const url = config.store?.url?.trim() ?? '';
  if (url === '') {
    const file = join(resolve(config.dataDir), SQLITE_FILE);
    try {
      mkdirSync(resolve(config.dataDir), { recursive: true });
      return await SqliteProvisioningStore.open(file);
    } catch (e) {
      throw new StoreUnavailableError(`cannot open the SQLite store ${file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      return await PostgresProvisioningStore.open(url);
    } catch (e) {
      throw new StoreUnavailableError(
        `cannot open the PostgreSQL store ${withoutPassword(url)}: ${describe(e)}`,
        { cause: e },
      );
    }
  }
  throw new StoreUnavailableError(
    `unsupported store URL ${withoutPassword(url)}: expected empty (SQLite in the data directory) or postgres://`,
  );
}

// pg reports a refused connection as an AggregateError (one per address) with an empty message.
function describe(e: unknown): string {
  if (e instanceof AggregateError && e.message === '') return e.errors.map(describe).join('; ');
  return e instanceof Error ? e.message || e.name : String(e);
}
