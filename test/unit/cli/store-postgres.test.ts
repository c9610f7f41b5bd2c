import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, postgresSkipReason, uniqueSchema } from '../store/pg-harness.js';
import { cells, StoreCli } from './store-cli.js';

const skip = await postgresSkipReason();
const schema = uniqueSchema();

describe.skipIf(skip !== undefined)(
  `store commands on PostgreSQL (--store-url)${skip ? ` [skipped: ${skip}]` : ''}`,
  () => {
    const cli = new StoreCli(['--store-url', `${PG_URL}?schema=${schema}`]);
    afterAll(async () => {
      cli.cleanup();
      const client = new pg.Client(PG_URL);
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    });

    it('provisions a domain, a subscriber and a number, and lists them', async () => {
      await cli.ok('domain', 'add', 'example.com');
      await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'pw', '--display-name', 'Alice');
      await cli.ok('number', 'add', '+14155550100', 'alice@example.com');
      expect(cells(await cli.ok('subscriber', 'list'))[1]).toEqual([
        'alice@example.com',
        'Alice',
        'enabled',
        '+14155550100',
      ]);
      const duplicate = await cli.run('subscriber', 'add', 'alice@example.com', '--password', 'pw');
      expect(duplicate.code).toBe(2);
      expect(duplicate.err).toBe('error: subscriber alice@example.com already exists\n');
    });
  },
);
