import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, SQLITE_FILE, SqliteProvisioningStore } from '../../../src/store/index.js';
import type { StoreSchema } from '../../../src/store/schema.js';
import { banContract } from './ban-contract.js';
import { callJournalContract } from './call-journal-contract.js';
import { callPolicyContract } from './call-policy-contract.js';
import { cdrContract } from './cdr-contract.js';
import { storeContract } from './contract.js';
import { sqliteHarness } from './sqlite-harness.js';
import { trunkContract } from './trunk-contract.js';

describe('SQLite provisioning store', () => {
  storeContract(sqliteHarness);
  describe('trunks, gateways, routes', () => trunkContract(sqliteHarness));
  describe('call detail records', () => cdrContract(sqliteHarness));
  describe('call journal', () => callJournalContract(sqliteHarness));
  describe('call policies', () => callPolicyContract(sqliteHarness));
  describe('edge bans', () => banContract(sqliteHarness));
});

describe('openStore with SQLite', () => {
  const harnesses: Array<ReturnType<typeof sqliteHarness>> = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.cleanup();
  });

  it('creates the data directory and switchboard.db in WAL mode', async () => {
    const h = sqliteHarness();
    harnesses.push(h);
    const dataDir = join(h.dir, 'nested', 'data');
    const store = await openStore({ dataDir });
    expect(store).toBeInstanceOf(SqliteProvisioningStore);
    expect(store.location).toBe(join(dataDir, SQLITE_FILE));
    await store.close();
    const raw = new Database(join(dataDir, SQLITE_FILE), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('never writes the password to the file', async () => {
    const h = sqliteHarness();
    harnesses.push(h);
    const store = await h.open();
    await store.addDomain('example.com');
    await store.addSubscriber({ username: 'alice', domain: 'example.com', password: 'needle-in-the-file-9' });
    await store.close();
    for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(h.dir, name));
      } catch {
        continue;
      }
      expect(bytes.includes('needle-in-the-file-9')).toBe(false);
    }
  });

  it('reports an unusable data directory', async () => {
    const h = sqliteHarness();
    harnesses.push(h);
    const file = join(h.dir, 'a-file');
    writeFileSync(file, '');
    await expect(openStore({ dataDir: join(file, 'data') })).rejects.toThrow(
      /^cannot open the SQLite store .*a-file\/data\/switchboard\.db: ENOTDIR/,
    );
  });

  it('rejects a URL it does not know', async () => {
    await expect(openStore({ dataDir: '.', store: { url: 'mysql://u:pw@h/db' } })).rejects.toThrow(
      'unsupported store URL mysql://u:***@h/db',
    );
  });
});

describe("the registrar's statements on SQLite's own connection", () => {
  const harnesses: Array<ReturnType<typeof sqliteHarness>> = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.cleanup();
  });

  async function opened() {
    const h = sqliteHarness();
    harnesses.push(h);
    const store = await h.open();
    await store.addDomain('example.com');
    await store.addSubscriber({ username: 'alice', domain: 'example.com', password: 'alice-pw' });
    return store;
  }

  it('reads a subscriber without a promise', async () => {
    const store = await opened();
    const alice = store.getSubscriber('alice', 'EXAMPLE.com');
    expect(alice).not.toBeInstanceOf(Promise);
    expect(alice).toEqual(await store.listSubscribers().then((all) => all[0]));
    expect(store.getSubscriber('bob', 'example.com')).toBeUndefined();
    await store.close();
  });

  it("waits for another's open transaction instead of reading or writing inside it", async () => {
    const store = await opened();
    const db = (store as unknown as { db: Kysely<StoreSchema> }).db;
    let during: unknown;
    let writing: Promise<void> | undefined;
    const binding = {
      aor: 'sip:alice@example.com',
      contact: 'sip:alice@192.0.2.1',
      expiresAt: new Date(Date.now() + 60_000),
      q: 1,
      callId: 'c',
      cseq: 1,
      source: { protocol: 'udp', address: '192.0.2.1', port: 5060 },
      path: [],
    };
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('subscribers').where('username', '=', 'alice').execute();
        during = store.getSubscriber('alice', 'example.com');
        writing = store.writeBindings({ save: [binding], remove: [] });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(during).toBeInstanceOf(Promise);
    expect(await during).toMatchObject({ username: 'alice' });
    await writing;
    expect(await store.loadBindings()).toEqual([binding]);
    await store.close();
  });
});
