import type { Kysely, Selectable } from 'kysely';
import { type SqlFlavor, toDate } from './flavor.js';
import { PreparedQuery } from './prepared-query.js';
import type { BansTable, StoreSchema } from './schema.js';
import type { BanRepository, StoredBan } from './types.js';

/** The edge's bans in SQL (migration 12): one row per banned address. */
export class SqlBans implements BanRepository {
  /** The live bans' read that every node polls (compiled once: Kysely compiled it per poll). */
  private liveQuery: PreparedQuery<Selectable<BansTable>> | undefined;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {}

  async saveBan(ban: StoredBan): Promise<void> {
    const row = {
      address: ban.address,
      reason: ban.reason,
      since: this.flavor.time(ban.since),
      until: ban.until ? this.flavor.time(ban.until) : null,
      node: ban.node,
    };
    await this.db
      .insertInto('bans')
      .values(row)
      .onConflict((c) =>
        c
          .column('address')
          .doUpdateSet({ reason: row.reason, since: row.since, until: row.until, node: row.node }),
      )
      .execute();
  }

  async removeBan(address: string): Promise<boolean> {
    const result = await this.db.deleteFrom('bans').where('address', '=', address).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async liveBans(now: Date): Promise<StoredBan[]> {
    this.liveQuery ??= new PreparedQuery(
      this.db
        .selectFrom('bans')
        .selectAll()
        .where((w) => w.or([w('until', 'is', null), w('until', '>', this.flavor.time(now))]))
        .orderBy('since')
        .orderBy('address'),
      1,
    );
    const { rows } = await this.liveQuery.run(this.db, [this.flavor.time(now)]);
    return rows.map((r) => {
      const ban: StoredBan = {
        address: r.address,
        reason: r.reason as StoredBan['reason'],
        since: toDate(r.since),
        node: r.node,
      };
      if (r.until !== null) ban.until = toDate(r.until);
      return ban;
    });
  }

  async purgeExpiredBans(now: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('bans')
      .where('until', 'is not', null)
      .where('until', '<=', this.flavor.time(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
