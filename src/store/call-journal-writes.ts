import type { Insertable, Kysely, Updateable } from 'kysely';
import type { JournalOwner, JournalWrite, OpenCall } from './call-journal-types.js';
import type { SqlFlavor } from './flavor.js';
import { PreparedQuery, type QueryExecutor } from './prepared-query.js';
import type { CallJournalTable, StoreSchema } from './schema.js';

/** What a call's record holds besides its id and owner, in the order the writes bind them. */
const CALL_COLUMNS = [
  'caller_call_id',
  'callee_call_id',
  'caller',
  'callee',
  'source_trunk',
  'trunk',
  'setup_at',
  'ringing_at',
  'answer_at',
  'seen_at',
] as const;
type CallColumn = (typeof CALL_COLUMNS)[number];
// A column added to the table and not here fails to compile (it would never be written).
type Unbound = Exclude<keyof CallJournalTable, CallColumn | 'id' | 'node' | 'run'>;
const everyColumnBound: [Unbound] extends [never] ? true : Unbound = true;
void everyColumnBound;

/**
 * The three writes every B2BUA call makes in the call journal (open at setup, update at answer,
 * close once its CDR is in), compiled once: building each with Kysely cost about as much as
 * SQLite's write (bench/b2bua-vs-kamailio.sh, `--cpu-prof`). Placeholders only mark positions;
 * PreparedQuery binds the real values in the same order.
 */
export class CallJournalWrites {
  private readonly open: PreparedQuery<unknown>;
  private readonly update: PreparedQuery<unknown>;
  private readonly close: PreparedQuery<unknown>;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {
    const blank = (columns: readonly string[]) => Object.fromEntries(columns.map((c) => [c, '']));
    this.open = new PreparedQuery(
      db
        .insertInto('call_journal')
        .values(blank(['node', 'run', 'id', ...CALL_COLUMNS]) as unknown as Insertable<CallJournalTable>)
        .onConflict((oc) => oc.column('id').doNothing()),
      CALL_COLUMNS.length + 3,
    );
    this.update = new PreparedQuery(
      db
        .updateTable('call_journal')
        .set(blank(CALL_COLUMNS) as unknown as Updateable<CallJournalTable>)
        .where('id', '=', ''),
      CALL_COLUMNS.length + 1,
    );
    this.close = new PreparedQuery(db.deleteFrom('call_journal').where('id', '=', ''), 1);
  }

  async openCall(owner: JournalOwner, call: OpenCall, at: Date, db: QueryExecutor = this.db): Promise<void> {
    await this.open.run(db, [owner.node, owner.run, call.id, ...this.values(call, at)]);
  }

  async updateCall(call: OpenCall, at: Date, db: QueryExecutor = this.db): Promise<void> {
    await this.update.run(db, [...this.values(call, at), call.id]);
  }

  async closeCall(id: string, db: QueryExecutor = this.db): Promise<void> {
    await this.close.run(db, [id]);
  }

  /** `writes` in one transaction: SQLite commits once for them all instead of once per write. */
  async apply(owner: JournalOwner, writes: readonly JournalWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const write of writes) {
        if (write.kind === 'open') await this.openCall(owner, write.call, write.at, trx);
        else if (write.kind === 'update') await this.updateCall(write.call, write.at, trx);
        else await this.closeCall(write.id, trx);
      }
    });
  }

  private values(call: OpenCall, at: Date): unknown[] {
    const time = (date: Date | undefined) => (date ? this.flavor.time(date) : null);
    const row: Record<CallColumn, unknown> = {
      caller_call_id: call.callerCallId,
      callee_call_id: call.calleeCallId,
      caller: call.caller,
      callee: call.callee,
      source_trunk: call.sourceTrunk ?? null,
      trunk: call.trunk ?? null,
      setup_at: this.flavor.time(call.setupAt),
      ringing_at: time(call.ringingAt),
      answer_at: time(call.answerAt),
      seen_at: this.flavor.time(at),
    };
    return CALL_COLUMNS.map((column) => row[column]);
  }
}
