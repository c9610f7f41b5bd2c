import type { SwitchboardConfig } from '../../config/index.js';
import { openStore, type SqlProvisioningStore, StoreError } from '../../store/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadOrReport } from '../load-or-report.js';

/** Bad input found by the command itself (an argument or file it cannot use): exit code 2. */
export class UsageError extends Error {}

/**
 * Runs a store command: resolves the configuration, opens the store, runs `action`, closes the
 * store and exits. Refusals (invalid names, duplicates, missing domains) exit 2 with the store's
 * message; anything else (database unreachable, disk full) exits 1.
 */
export async function withStore(
  flags: Record<string, unknown>,
  io: CliIo,
  action: (store: SqlProvisioningStore, config: SwitchboardConfig) => Promise<void>,
): Promise<void> {
  const resolved = loadOrReport(flags, io);
  if (!resolved) return;
  let store: SqlProvisioningStore;
  try {
    store = await openStore(resolved.config);
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n`);
    io.exit(EXIT_FAILURE);
    return;
  }
  let code = EXIT_OK;
  try {
    await action(store, resolved.config);
  } catch (e) {
    const refused = e instanceof StoreError || e instanceof UsageError;
    io.stderr(`error: ${(e as Error).message}\n`);
    code = refused ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    // Closed before exiting: the real exit ends the process, and SQLite should checkpoint first.
    await store.close().catch(() => {});
  }
  io.exit(code);
}

/** Prints a value as indented JSON (Dates as ISO text). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
