import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { InvalidInputError } from './errors.js';
import { type SqlFlavor, toDate } from './flavor.js';
import type { StoreSchema } from './schema.js';
import type { ApiKey, ApiKeyRepository, NewApiKey } from './types.js';

const PREFIX = 'sb_';

/**
 * API keys of the form `sb_<id>_<secret>`: the id finds the row, and only a SHA-256 of the secret
 * is stored, compared in constant time. The whole key is shown once, when it is made.
 */
export class SqlApiKeys implements ApiKeyRepository {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly flavor: SqlFlavor,
  ) {}

  async createApiKey(name: string): Promise<NewApiKey> {
    const label = name.trim();
    if (label === '' || label.length > 100) {
      throw new InvalidInputError('an API key name is 1-100 characters');
    }
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const createdAt = new Date();
    await this.db
      .insertInto('api_keys')
      .values({ id, name: label, secret_sha256: sha256(secret), created_at: this.flavor.time(createdAt) })
      .execute();
    return { id, name: label, createdAt, key: `${PREFIX}${id}_${secret}` };
  }

  async listApiKeys(): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'created_at'])
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: toDate(r.created_at) }));
  }

  async removeApiKey(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async verifyApiKey(key: string): Promise<ApiKey | undefined> {
    if (!key.startsWith(PREFIX) || key.length > 200) return undefined;
    const rest = key.slice(PREFIX.length);
    const cut = rest.indexOf('_');
    if (cut <= 0) return undefined;
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', rest.slice(0, cut))
      .executeTakeFirst();
    if (!row) return undefined;
    const expected = Buffer.from(row.secret_sha256, 'hex');
    const given = Buffer.from(sha256(rest.slice(cut + 1)), 'hex');
    if (!timingSafeEqual(expected, given)) return undefined;
    return { id: row.id, name: row.name, createdAt: toDate(row.created_at) };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
