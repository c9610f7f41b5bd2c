import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../../src/cli/commands/cdr-export-format.js';
import { PG_URL, postgresSkipReason, uniqueSchema } from '../store/pg-harness.js';
import { parseCsv } from './csv.js';
import { memoryGrowth } from './memory-sampler.js';
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

    it('exports 200,000 CDRs page by page, oldest first, CSV and NDJSON, memory bounded', {
      timeout: 180_000,
    }, async () => {
      const rows = 200_000;
      const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        await client.query(
          `insert into cdrs (id, caller_call_id, callee_call_id, caller, callee, trunk, setup_at, answer_at, end_at,
             duration, billable_seconds, status, cause, hangup, disposition)
           select 'call-' || lpad(n::text, 7, '0'), n || '-a@198.51.100.7', n || '-b',
             '"Caller ' || n || ', Esq." <sip:+4930' || n || '@example.com>', 'sip:+4940' || n || '@example.com',
             case when n % 2 = 1 then 'carrier-out' end,
             timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second',
             timestamptz '2026-01-01 00:00:05+00' + n * interval '1 second',
             timestamptz '2026-01-01 00:01:00+00' + n * interval '1 second',
             60, 55, 200, 16, 'caller', 'answered'
           from generate_series(0, $1 - 1) n`,
          [rows],
        );
      } finally {
        await client.end();
      }
      const csv = join(cli.dir, 'all.csv');
      const { result: io, rss, heap } = await memoryGrowth(() => cli.run('cdr', 'export', '--output', csv));
      expect(io.code, io.err).toBe(0);
      console.log(
        `cdr export (PostgreSQL): ${rows} rows, RSS growth ${(rss / 1e6).toFixed(1)} MB, live heap growth ${(heap / 1e6).toFixed(1)} MB`,
      );
      expect(rss).toBeLessThan(32 * 1024 * 1024);
      expect(heap).toBeLessThan(16 * 1024 * 1024);
      const records = parseCsv(readFileSync(csv, 'utf8'));
      expect(records).toHaveLength(rows + 1);
      expect(records[1]![CSV_COLUMNS.indexOf('caller')]).toBe('"Caller 0, Esq." <sip:+49300@example.com>');
      expect(records[1]![CSV_COLUMNS.indexOf('setup_at')]).toBe('2026-01-01T00:00:00.000Z');
      expect(records.at(-1)![0]).toBe(`call-${String(rows - 1).padStart(7, '0')}`);

      const json = join(cli.dir, 'trunk.ndjson');
      const filtered = await cli.run(
        'cdr',
        'export',
        '--format',
        'json',
        '--trunk',
        'carrier-out',
        '--to',
        '2026-01-01T00:00:10Z',
        '--output',
        json,
      );
      expect(filtered.code, filtered.err).toBe(0);
      const lines = readFileSync(json, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string });
      expect(lines.map((c) => c.id)).toEqual([
        'call-0000001',
        'call-0000003',
        'call-0000005',
        'call-0000007',
        'call-0000009',
      ]);
    });
  },
);
