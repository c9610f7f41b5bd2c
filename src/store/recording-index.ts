import type { Kysely, Selectable } from 'kysely';
import type { SqlFlavor } from './flavor.js';
import { toBool, toDate } from './flavor.js';
import type { RecordingPoliciesTable, RecordingsTable, StoreSchema } from './schema.js';
import type {
  RecordingIndex,
  RecordingIndexFilter,
  StoredRecording,
  StoredRecordingPolicy,
} from './types.js';

/** The recordings index and recording policies, on either SQL backend. */
export class SqlRecordingIndex implements RecordingIndex {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
    /** Recording policies are part of the call policies the B2BUA caches. */
    private readonly policiesChanged: () => void = () => {},
  ) {}

  async saveRecording(recording: StoredRecording): Promise<void> {
    const row = {
      id: recording.id,
      call_id: recording.callId,
      source: recording.source,
      status: recording.status,
      started_at: this.flavor.time(recording.startedAt),
      stopped_at: recording.stoppedAt ? this.flavor.time(recording.stoppedAt) : null,
      failure: recording.failure ?? null,
      stored: this.flavor.flag(recording.stored),
      stream_url: recording.streamUrl ?? null,
      directory: recording.directory ?? null,
      document: recording.document,
    };
    const { id: _id, ...changes } = row;
    await this.db
      .insertInto('recordings')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  async getRecording(id: string): Promise<StoredRecording | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecording(row) : undefined;
  }

  async listRecordings(filter: RecordingIndexFilter = {}): Promise<StoredRecording[]> {
    let query = this.db.selectFrom('recordings').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.callId !== undefined) query = query.where('call_id', '=', filter.callId);
    if (filter.startedBefore !== undefined) {
      query = query.where('started_at', '<', this.flavor.time(filter.startedBefore));
    }
    const rows = await query
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0)
      .execute();
    return rows.map(toRecording);
  }

  async removeRecording(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listRecordingPolicies(): Promise<StoredRecordingPolicy[]> {
    const rows = await this.db.selectFrom('recording_policies').selectAll().orderBy('subscriber').execute();
    return rows.map(toPolicy);
  }

  async getRecordingPolicy(subscriber: string): Promise<StoredRecordingPolicy | undefined> {
    const row = await this.db
      .selectFrom('recording_policies')
      .selectAll()
      .where('subscriber', '=', subscriber)
      .executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async saveRecordingPolicy(policy: StoredRecordingPolicy): Promise<void> {
    const row = {
      subscriber: policy.subscriber,
      stored: this.flavor.flag(policy.stored),
      stream_url: policy.streamUrl ?? null,
      created_at: this.flavor.time(policy.createdAt),
    };
    await this.db
      .insertInto('recording_policies')
      .values(row)
      .onConflict((oc) =>
        oc.column('subscriber').doUpdateSet({ stored: row.stored, stream_url: row.stream_url }),
      )
      .execute()
      .finally(this.policiesChanged);
  }

  async removeRecordingPolicy(subscriber: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('recording_policies')
      .where('subscriber', '=', subscriber)
      .executeTakeFirst()
      .finally(this.policiesChanged);
    return Number(result.numDeletedRows) > 0;
  }
}

function toRecording(row: Selectable<RecordingsTable>): StoredRecording {
  const recording: StoredRecording = {
    id: row.id,
    callId: row.call_id,
    source: row.source,
    status: row.status,
    startedAt: toDate(row.started_at),
    stored: toBool(row.stored),
    document: row.document,
  };
  if (row.stopped_at !== null) recording.stoppedAt = toDate(row.stopped_at);
  if (row.failure !== null) recording.failure = row.failure;
  if (row.stream_url !== null) recording.streamUrl = row.stream_url;
  if (row.directory !== null) recording.directory = row.directory;
  return recording;
}

function toPolicy(row: Selectable<RecordingPoliciesTable>): StoredRecordingPolicy {
  const policy: StoredRecordingPolicy = {
    subscriber: row.subscriber,
    stored: toBool(row.stored),
    createdAt: toDate(row.created_at),
  };
  if (row.stream_url !== null) policy.streamUrl = row.stream_url;
  return policy;
}
