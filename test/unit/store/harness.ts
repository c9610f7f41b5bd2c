import type { SqlProvisioningStore } from '../../../src/store/index.js';

/** One throwaway database: open it (again and again, as a restarted node would), run raw SQL, drop it. */
export interface StoreHarness {
  open(): Promise<SqlProvisioningStore>;
  /** Raw SQL outside the store, for tampering tests (e.g. a schema version from the future). */
  exec(sql: string): Promise<void>;
  /** Every value in every row of `table`, as text (to check what is really on disk). */
  dump(table: string): Promise<string>;
  cleanup(): Promise<void>;
}
