import type { Kysely, Selectable } from 'kysely';
import type {
  CallJournalRepository,
  JournalOwner,
  OpenCall,
  RecoverySelection,
} from './call-journal-types.js';
import type { Cdr } from './cdr-types.js';
import { cdrRow } from './cdrs.js';
import { type SqlFlavor, toDate } from './flavor.js';
import type { CallJournalTable, StoreSchema } from './schema.js';

/** Q.850 cause 41, temporary failure: the network (the node) failed, not either party. */
const TEMPORARY_FAILURE = 41;

/** The call journal on either SQL backend (table call_journal, migration 8). */
export class SqlCallJournal implements CallJournalRepository {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {}

  async openCall(owner: JournalOwner, call: OpenCall, at: Date): Promise<void> {
    await this.db
      .insertInto('call_journal')
      .values({ ...owner, ...this.columns(call), seen_at: this.flavor.time(at) })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async updateCall(call: OpenCall, at: Date): Promise<void> {
    const { id, ...columns } = this.columns(call);
    await this.db
      .updateTable('call_journal')
      .set({ ...columns, seen_at: this.flavor.time(at) })
      .where('id', '=', id)
      .execute();
  }

  async closeCall(id: string): Promise<void> {
    await this.db.deleteFrom('call_journal').where('id', '=', id).execute();
  }

  async heartbeat(owner: JournalOwner, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('call_journal')
      .set({ seen_at: this.flavor.time(at) })
      .where('node', '=', owner.node)
      .where('run', '=', owner.run)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async recoverCalls(selection: RecoverySelection): Promise<Cdr[]> {
    if (!selection.restartOf && !selection.staleBefore) return [];
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('call_journal')
        .selectAll()
        .where((eb) => {
          const { restartOf, staleBefore } = selection;
          return eb.or([
            ...(restartOf ? [eb.and([eb('node', '=', restartOf.node), eb('run', '<>', restartOf.run)])] : []),
            ...(staleBefore ? [eb('seen_at', '<', this.flavor.time(staleBefore))] : []),
          ]);
        })
        .orderBy('setup_at')
        .execute();
      const cdrs = rows.map((row) => interruptedCdr(row, row.node === selection.restartOf?.node));
      for (const cdr of cdrs) {
        await trx
          .insertInto('cdrs')
          .values(cdrRow(cdr, this.flavor))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await trx.deleteFrom('call_journal').where('id', '=', cdr.id).execute();
      }
      return cdrs;
    });
  }

  async openCalls(): Promise<Array<OpenCall & JournalOwner & { seenAt: Date }>> {
    const rows = await this.db.selectFrom('call_journal').selectAll().orderBy('setup_at').execute();
    return rows.map((row) => ({
      ...openCallOf(row),
      node: row.node,
      run: row.run,
      seenAt: toDate(row.seen_at),
    }));
  }

  private columns(call: OpenCall) {
    const time = (date: Date | undefined) => (date ? this.flavor.time(date) : null);
    return {
      id: call.id,
      caller_call_id: call.callerCallId,
      callee_call_id: call.calleeCallId,
      caller: call.caller,
      callee: call.callee,
      source_trunk: call.sourceTrunk ?? null,
      trunk: call.trunk ?? null,
      setup_at: this.flavor.time(call.setupAt),
      ringing_at: time(call.ringingAt),
      answer_at: time(call.answerAt),
    };
  }
}

function openCallOf(row: Selectable<CallJournalTable>): OpenCall {
  const call: OpenCall = {
    id: row.id,
    callerCallId: row.caller_call_id,
    calleeCallId: row.callee_call_id,
    caller: row.caller,
    callee: row.callee,
    setupAt: toDate(row.setup_at),
  };
  if (row.source_trunk !== null) call.sourceTrunk = row.source_trunk;
  if (row.trunk !== null) call.trunk = row.trunk;
  if (row.ringing_at !== null) call.ringingAt = toDate(row.ringing_at);
  if (row.answer_at !== null) call.answerAt = toDate(row.answer_at);
  return call;
}

/**
 * The CDR of a call its node left open: it ends at the record's last `seen_at` (the last time the
 * node is known to have held it — setup, answer or its last heartbeat), so no time the node did
 * not see is billed; answered calls keep status 200, others 500 as the B2BUA records a call
 * without final response; cause 41 (temporary failure), hung up by the node, a Reason saying why.
 */
function interruptedCdr(row: Selectable<CallJournalTable>, restarted: boolean): Cdr {
  const call = openCallOf(row);
  const seen = toDate(row.seen_at).getTime();
  const endAt = new Date(Math.max(seen, call.answerAt?.getTime() ?? 0, call.setupAt.getTime()));
  const talk = call.answerAt ? endAt.getTime() - call.answerAt.getTime() : 0;
  const { id, callerCallId, calleeCallId, caller, callee, setupAt } = call;
  const cdr: Cdr = {
    id,
    callerCallId,
    calleeCallId,
    caller,
    callee,
    setupAt,
    endAt,
    duration: Math.round(endAt.getTime() - setupAt.getTime()) / 1000,
    billableSeconds: Math.ceil(talk / 1000),
    status: call.answerAt ? 200 : 500,
    cause: TEMPORARY_FAILURE,
    hangup: 'node',
    disposition: 'interrupted',
    reason: restarted
      ? `Q.850;cause=${TEMPORARY_FAILURE};text="Node restarted"`
      : `Q.850;cause=${TEMPORARY_FAILURE};text="Node ${row.node} not seen since ${endAt.toISOString()}"`,
  };
  if (call.sourceTrunk) cdr.sourceTrunk = call.sourceTrunk;
  if (call.trunk) cdr.trunk = call.trunk;
  if (call.ringingAt) cdr.ringingAt = call.ringingAt;
  if (call.answerAt) cdr.answerAt = call.answerAt;
  return cdr;
}
