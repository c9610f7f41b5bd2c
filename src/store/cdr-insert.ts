import type { Insertable, Kysely } from 'kysely';
import type { Cdr } from './cdr-types.js';
import { cdrRow } from './cdrs.js';
import type { SqlFlavor } from './flavor.js';
import { PreparedQuery, type QueryExecutor } from './prepared-query.js';
import type { CdrsTable, StoreSchema } from './schema.js';

/** The columns of a CDR row, in the order the prepared insert binds them. */
const COLUMNS = [
  'id',
  'caller_call_id',
  'callee_call_id',
  'caller',
  'callee',
  'source_trunk',
  'trunk',
  'setup_at',
  'ringing_at',
  'answer_at',
  'end_at',
  'duration',
  'billable_seconds',
  'status',
  'cause',
  'hangup',
  'disposition',
  'media',
  'reason',
  'recording_id',
] as const;
type Column = (typeof COLUMNS)[number];
// A column added to the table and not to COLUMNS fails to compile here (it would never be written).
type Unbound = Exclude<keyof CdrsTable, Column>;
const everyColumnBound: [Unbound] extends [never] ? true : Unbound = true;
void everyColumnBound;

/**
 * The insert of one CDR, compiled once: every call that ends writes one, and building the
 * 20-column upsert with Kysely cost about as much as SQLite's insert (bench/b2bua-vs-kamailio.sh,
 * `--cpu-prof`). A retried write changes nothing; a real CDR replaces the 'interrupted' one that
 * recovery wrote for a call whose node was thought dead but was not.
 */
export class CdrInsert {
  private readonly query: PreparedQuery<unknown>;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {
    // Placeholders only mark the parameters' positions (PreparedQuery binds the real values).
    const placeholders = Object.fromEntries(
      COLUMNS.map((column) => [column, '']),
    ) as unknown as Insertable<CdrsTable>;
    const template = db
      .insertInto('cdrs')
      .values(placeholders)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) =>
            Object.fromEntries(
              COLUMNS.filter((column) => column !== 'id').map((column) => [
                column,
                eb.ref(`excluded.${column}`),
              ]),
            ),
          )
          .where('cdrs.disposition', '=', 'interrupted'),
      );
    this.query = new PreparedQuery(template, COLUMNS.length + 1);
  }

  async run(cdr: Cdr, db: QueryExecutor = this.db): Promise<void> {
    const row = cdrRow(cdr, this.flavor) as Record<Column, unknown>;
    await this.query.run(db, [...COLUMNS.map((column) => row[column] ?? null), 'interrupted']);
  }
}
