import { type Kysely, sql } from 'kysely';
import type { StoreSchema } from './schema.js';

export type Violation = 'unique' | 'foreign-key';

/** What differs between the SQL backends; everything else is shared Kysely queries. */
export interface SqlFlavor {
  readonly name: 'sqlite' | 'postgres';
  /** Column types used by the migrations' SQL text. */
  readonly types: { time: string; flag: string; real: string };
  time(date: Date): Date | number;
  flag(value: boolean): boolean | number;
  /** The kind of constraint a driver error broke, if it is a constraint error. */
  violation(error: unknown): Violation | undefined;
  /** Serializes migrations between processes opening the same database at once. */
  lockForMigration(trx: Kysely<StoreSchema>): Promise<void>;
}

export const sqliteFlavor: SqlFlavor = {
  name: 'sqlite',
  types: { time: 'integer', flag: 'integer', real: 'real' },
  time: (date) => date.getTime(),
  flag: (value) => (value ? 1 : 0),
  violation(error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
    return undefined;
  },
  // One process owns an SQLite file in practice; a rare concurrent first open waits on busy_timeout.
  async lockForMigration() {},
};

// An arbitrary constant key for pg_advisory_xact_lock, held until the migration commits.
const MIGRATION_LOCK = 0x5b_d0_00_01;

export const postgresFlavor: SqlFlavor = {
  name: 'postgres',
  types: { time: 'timestamptz', flag: 'boolean', real: 'double precision' },
  time: (date) => date,
  flag: (value) => value,
  violation(error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === '23505') return 'unique';
    if (code === '23503') return 'foreign-key';
    return undefined;
  },
  async lockForMigration(trx) {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
  },
};

/** A time column as read back: Date (pg), epoch ms (SQLite), or text (pg bigint-like drivers). */
export function toDate(value: Date | number | string): Date {
  return value instanceof Date ? value : new Date(Number(value));
}

export function toBool(value: boolean | number): boolean {
  return value === true || value === 1;
}
