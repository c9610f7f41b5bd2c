import type { Insertable, Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import { CdrInsert } from './cdr-insert.js';
import type {
  Cdr,
  CdrDisposition,
  CdrExportFilter,
  CdrFilter,
  CdrHangup,
  CdrPage,
  CdrRepository,
} from './cdr-types.js';
import { InvalidInputError } from './errors.js';
import { type SqlFlavor, toDate } from './flavor.js';
import type { CdrsTable, StoreSchema } from './schema.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Rows an export reads per query: memory stays that of one page whatever the result's size. */
const EXPORT_PAGE = 1000;

type CdrQuery = SelectQueryBuilder<StoreSchema, 'cdrs', Selectable<CdrsTable>>;

/** `next` cursors: setup time (ms) and id of the last row of a page. */
function encodeCursor(cdr: Cdr): string {
  return Buffer.from(`${cdr.setupAt.getTime()}|${cdr.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const ms = Number(text.slice(0, bar));
  if (bar < 1 || !Number.isFinite(ms)) throw new InvalidInputError('after: not a cursor this listing gave');
  return { at: new Date(ms), id: text.slice(bar + 1) };
}

/** CDRs on either SQL backend. */
export class SqlCdrs implements CdrRepository {
  /** The prepared CDR insert, made at the first write (src/store/cdr-insert.ts). */
  private insert: CdrInsert | undefined;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {}

  async addCdr(cdr: Cdr): Promise<void> {
    await this.prepared().run(cdr);
  }

  async addCdrs(cdrs: readonly Cdr[]): Promise<void> {
    if (cdrs.length === 0) return;
    const insert = this.prepared();
    await this.db.transaction().execute(async (trx) => {
      for (const cdr of cdrs) await insert.run(cdr, trx);
    });
  }

  private prepared(): CdrInsert {
    this.insert ??= new CdrInsert(this.db, this.flavor);
    return this.insert;
  }

  async getCdr(id: string): Promise<Cdr | undefined> {
    const row = await this.db.selectFrom('cdrs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toCdr(row) : undefined;
  }

  async listCdrs(filter: CdrFilter = {}): Promise<CdrPage> {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidInputError(`limit: expected an integer 1-${MAX_LIMIT}, got ${limit}`);
    }
    let query = this.filtered(filter);
    if (filter.after !== undefined) {
      const { at, id } = decodeCursor(filter.after);
      const t = this.flavor.time(at);
      query = query.where((eb) =>
        eb.or([eb('setup_at', '<', t), eb.and([eb('setup_at', '=', t), eb('id', '<', id)])]),
      );
    }
    const rows = await query
      .orderBy('setup_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const cdrs = rows.slice(0, limit).map(toCdr);
    const last = cdrs.at(-1);
    return rows.length > limit && last ? { cdrs, next: encodeCursor(last) } : { cdrs };
  }

  async *exportCdrs(filter: CdrExportFilter = {}, pageSize = EXPORT_PAGE): AsyncIterable<Cdr> {
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new InvalidInputError(`pageSize: expected a positive integer, got ${pageSize}`);
    }
    // Keyset paging, oldest first: each page starts after the last row of the one before, so rows
    // added meanwhile neither shift nor repeat rows, and no page costs more than the first.
    let last: { at: Date | number; id: string } | undefined;
    for (;;) {
      let query = this.filtered(filter);
      if (last) {
        const { at, id } = last;
        query = query.where((eb) =>
          eb.or([eb('setup_at', '>', at), eb.and([eb('setup_at', '=', at), eb('id', '>', id)])]),
        );
      }
      const rows = await query.orderBy('setup_at', 'asc').orderBy('id', 'asc').limit(pageSize).execute();
      for (const row of rows) yield toCdr(row);
      const end = rows.at(-1);
      if (!end || rows.length < pageSize) return;
      last = { at: this.flavor.time(toDate(end.setup_at)), id: end.id };
    }
  }

  private filtered(filter: CdrExportFilter): CdrQuery {
    let query = this.db.selectFrom('cdrs').selectAll();
    if (filter.from) query = query.where('setup_at', '>=', this.flavor.time(filter.from));
    if (filter.to) query = query.where('setup_at', '<', this.flavor.time(filter.to));
    if (filter.caller !== undefined) query = query.where('caller', '=', filter.caller);
    if (filter.callee !== undefined) query = query.where('callee', '=', filter.callee);
    if (filter.trunk !== undefined) query = query.where('trunk', '=', filter.trunk);
    if (filter.disposition !== undefined) query = query.where('disposition', '=', filter.disposition);
    return query;
  }
}

/** A CDR as its row. */
export function cdrRow(cdr: Cdr, flavor: SqlFlavor): Insertable<CdrsTable> {
  const time = (date: Date | undefined) => (date ? flavor.time(date) : null);
  return {
    id: cdr.id,
    caller_call_id: cdr.callerCallId,
    callee_call_id: cdr.calleeCallId,
    caller: cdr.caller,
    callee: cdr.callee,
    source_trunk: cdr.sourceTrunk ?? null,
    trunk: cdr.trunk ?? null,
    setup_at: flavor.time(cdr.setupAt),
    ringing_at: time(cdr.ringingAt),
    answer_at: time(cdr.answerAt),
    end_at: flavor.time(cdr.endAt),
    duration: cdr.duration,
    billable_seconds: cdr.billableSeconds,
    status: cdr.status,
    cause: cdr.cause,
    hangup: cdr.hangup,
    disposition: cdr.disposition,
    media: cdr.media === undefined ? null : JSON.stringify(cdr.media),
    reason: cdr.reason ?? null,
    recording_id: cdr.recordingId ?? null,
  };
}

function toCdr(row: Selectable<CdrsTable>): Cdr {
  const cdr: Cdr = {
    id: row.id,
    callerCallId: row.caller_call_id,
    calleeCallId: row.callee_call_id,
    caller: row.caller,
    callee: row.callee,
    setupAt: toDate(row.setup_at),
    endAt: toDate(row.end_at),
    duration: Number(row.duration),
    billableSeconds: Number(row.billable_seconds),
    status: Number(row.status),
    cause: Number(row.cause),
    hangup: row.hangup as CdrHangup,
    disposition: row.disposition as CdrDisposition,
  };
  if (row.source_trunk !== null) cdr.sourceTrunk = row.source_trunk;
  if (row.trunk !== null) cdr.trunk = row.trunk;
  if (row.ringing_at !== null) cdr.ringingAt = toDate(row.ringing_at);
  if (row.answer_at !== null) cdr.answerAt = toDate(row.answer_at);
  if (row.media !== null) cdr.media = JSON.parse(row.media) as unknown;
  if (row.reason !== null && row.reason !== undefined) cdr.reason = row.reason;
  if (row.recording_id !== null && row.recording_id !== undefined) cdr.recordingId = row.recording_id;
  return cdr;
}
