import type { Kysely, Selectable } from 'kysely';
import type {
  CallJournalRepository,
  JournalOwner,
  JournalWrite,
  OpenCall,
  RecoverySelection,
} from './call-journal-types.js';
import { CallJournalWrites } from './call-journal-writes.js';
import type { Cdr } from './cdr-types.js';
import { cdrRow } from './cdrs.js';
import { type SqlFlavor, toDate } from './flavor.js';
import { PreparedQuery } from './prepared-query.js';
import type { CallJournalTable, StoreSchema } from './schema.js';

/** Q.850 cause 41, temporary failure: the network (the node) failed, not either party. */
const TEMPORARY_FAILURE = 41;

/** The call journal on either SQL backend (table call_journal, migration 8). */
export class SqlCallJournal implements CallJournalRepository {
  /** Each call's three writes, compiled at the first (src/store/call-journal-writes.ts). */
  private prepared: CallJournalWrites | undefined;
  private heartbeatQuery: PreparedQuery<unknown> | undefined;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {}

  private writes(): CallJournalWrites {
    this.prepared ??= new CallJournalWrites(this.db, this.flavor);
    return this.prepared;
  }

  async openCall(owner: JournalOwner, call: OpenCall, at: Date): Promise<void> {
    await this.writes().openCall(owner, call, at);
  }

  async updateCall(call: OpenCall, at: Date): Promise<void> {
    await this.writes().updateCall(call, at);
  }

  async closeCall(id: string): Promise<void> {
    await this.writes().closeCall(id);
  }

  async write(owner: JournalOwner, writes: readonly JournalWrite[]): Promise<void> {
    await this.writes().apply(owner, writes);
  }

  async heartbeat(owner: JournalOwner, at: Date): Promise<number> {
    // Compiled once: Kysely compiled the same update at every heartbeat of a node at rest.
    this.heartbeatQuery ??= new PreparedQuery(
      this.db
        .updateTable('call_journal')
        .set({ seen_at: this.flavor.time(at) })
        .where('node', '=', owner.node)
        .where('run', '=', owner.run),
      3,
    );
    const result = await this.heartbeatQuery.run(this.db, [this.flavor.time(at), owner.node, owner.run]);
    return Number(result.numAffectedRows ?? 0);
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
