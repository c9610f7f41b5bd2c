import { describe, expect, it } from 'vitest';
import { MIGRATIONS, openStore, PostgresProvisioningStore } from '../../../src/store/index.js';
import { banContract } from './ban-contract.js';
import { callJournalContract } from './call-journal-contract.js';
import { callPolicyContract } from './call-policy-contract.js';
import { cdrContract } from './cdr-contract.js';
import { storeContract } from './contract.js';
import { PG_URL, postgresHarness, postgresSkipReason, uniqueSchema } from './pg-harness.js';
import { trunkContract } from './trunk-contract.js';

const skip = await postgresSkipReason();
const title = (t: string) => (skip ? `${t} [skipped: ${skip}]` : t);

describe.skipIf(skip !== undefined)(title('PostgreSQL provisioning store'), () => {
  storeContract(postgresHarness);
  describe('trunks, gateways, routes', () => trunkContract(postgresHarness));
  describe('call detail records', () => cdrContract(postgresHarness));
  describe('call journal', () => callJournalContract(postgresHarness));
  describe('call policies', () => callPolicyContract(postgresHarness));
  describe('edge bans', () => banContract(postgresHarness));

  it('openStore picks PostgreSQL for a postgres:// URL, with ?schema=', async () => {
    const schema = uniqueSchema();
    const store = await openStore({ dataDir: '/nonexistent', store: { url: `${PG_URL}?schema=${schema}` } });
    try {
      expect(store).toBeInstanceOf(PostgresProvisioningStore);
      expect(await store.schemaVersions()).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await store.close();
      const admin = await PostgresProvisioningStore.open(PG_URL, { schema });
      await admin.close();
      const pg = (await import('pg')).default;
      const client = new pg.Client(PG_URL);
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    }
  });
});

describe('PostgreSQL unreachable', () => {
  it('says which server, without the password', async () => {
    const url = 'postgres://sb:hunter2@127.0.0.1:1/none';
    const opened = openStore({ dataDir: '.', store: { url } });
    await expect(opened).rejects.toThrow(
      /^cannot open the PostgreSQL store postgres:\/\/sb:\*\*\*@127\.0\.0\.1:1\/none: /,
    );
    await expect(opened).rejects.not.toThrow(/hunter2/);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(PostgresProvisioningStore.open(`${PG_URL}?schema=x;drop`)).rejects.toThrow(
      /invalid PostgreSQL schema/,
    );
  });
});
