import type { Kysely } from 'kysely';
import { type SqlFlavor, toDate } from './flavor.js';
import type { StoreSchema } from './schema.js';
import type { BanRepository, StoredBan } from './types.js';

/** The edge's bans in SQL (migration 12): one row per banned address. */
export class SqlBans implements BanRepository {
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
    const rows = await this.db
      .selectFrom('bans')
      .selectAll()
      .where((w) => w.or([w('until', 'is', null), w('until', '>', this.flavor.time(now))]))
      .orderBy('since')
      .orderBy('address')
      .execute();
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
