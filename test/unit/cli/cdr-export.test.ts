import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { progressReporter, writeCdrs } from '../../../src/cli/commands/cdr-export.js';
import { CSV_COLUMNS, csvField, csvRecord } from '../../../src/cli/commands/cdr-export-format.js';
import { type Cdr, SQLITE_FILE, SqliteProvisioningStore } from '../../../src/store/index.js';
import { parseCsv } from './csv.js';
import { memoryGrowth } from './memory-sampler.js';
import { StoreCli } from './store-cli.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

function cdr(n: number, overrides: Partial<Cdr> = {}): Cdr {
  return {
    id: `call-${n}`,
    callerCallId: `a-${n}@198.51.100.7`,
    calleeCallId: `b-${n}`,
    caller: 'sip:alice@example.com',
    callee: 'sip:bob@example.com',
    setupAt: at(n),
    endAt: at(n + 30),
    duration: 30,
    billableSeconds: 0,
    status: 486,
    cause: 17,
    hangup: 'callee',
    disposition: 'busy',
    ...overrides,
  };
}

describe('switchboard cdr export', () => {
  let cli: StoreCli;
  const hostile = '"Smith, J" <sip:j@example.com>;x="a\r\nb"';
  beforeEach(async () => {
    cli = new StoreCli();
    const store = await SqliteProvisioningStore.open(join(cli.dir, SQLITE_FILE));
    await store.cdrs.addCdr(cdr(1));
    await store.cdrs.addCdr(
      cdr(2, {
        caller: hostile,
        trunk: 'carrier-out',
        answerAt: at(3),
        billableSeconds: 29,
        status: 200,
        cause: 16,
        disposition: 'answered',
        media: { streams: [{ label: 'caller, "A"', packets: 10 }] },
        recordingId: 'rec-2',
      }),
    );
    await store.cdrs.addCdr(
      cdr(3, { disposition: 'interrupted', hangup: 'node', reason: 'Q.850;cause=41;text="Node restarted"' }),
    );
    await store.close();
  });
  afterEach(() => cli.cleanup());

  it('writes RFC 4180 CSV, oldest first: header, CRLF, fields with commas, quotes and line breaks quoted', async () => {
    const out = await cli.ok('cdr', 'export');
    const records = parseCsv(out);
    expect(records[0]).toEqual([...CSV_COLUMNS]);
    expect(records.slice(1).map((r) => r[0])).toEqual(['call-1', 'call-2', 'call-3']);
    const row = Object.fromEntries(CSV_COLUMNS.map((name, i) => [name, records[2]![i]]));
    expect(row).toMatchObject({
      caller: hostile,
      setup_at: '2026-01-01T12:00:02.000Z',
      answer_at: '2026-01-01T12:00:03.000Z',
      ringing_at: '',
      trunk: 'carrier-out',
      billable_seconds: '29',
      disposition: 'answered',
      recording_id: 'rec-2',
    });
    expect(JSON.parse(row['media']!)).toEqual({ streams: [{ label: 'caller, "A"', packets: 10 }] });
    expect(records[3]![CSV_COLUMNS.indexOf('reason')]).toBe('Q.850;cause=41;text="Node restarted"');
    // Every record has every column.
    for (const record of records) expect(record).toHaveLength(CSV_COLUMNS.length);
  });

  it('writes NDJSON with the filters of cdr list, to a file through .part', async () => {
    const file = join(cli.dir, 'answered.ndjson');
    const io = await cli.run(
      'cdr',
      'export',
      '--format',
      'json',
      '--disposition',
      'answered',
      '--output',
      file,
    );
    expect(io.code, io.err).toBe(0);
    expect(io.out).toBe('');
    expect(io.err).toBe(`exported 1 CDRs to ${file}\n`);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ id: 'call-2', caller: hostile, setupAt: '2026-01-01T12:00:02.000Z' }),
    ]);
    const windowed = await cli.ok(
      'cdr',
      'export',
      '--format',
      'json',
      '--from',
      '2026-01-01T12:00:02Z',
      '--to',
      '2026-01-01T12:00:03Z',
    );
    expect(
      windowed
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(['call-2']);
    const none = await cli.ok('cdr', 'export', '--caller', 'sip:nobody@example.com');
    expect(parseCsv(none)).toEqual([[...CSV_COLUMNS]]);
  });

  it('refuses bad flags naming them, and leaves no file behind when it cannot write', async () => {
    const format = await cli.run('cdr', 'export', '--format', 'xml');
    expect(format.code).toBe(2);
    expect(format.err).toBe('error: --format "xml": expected csv or json\n');
    const from = await cli.run('cdr', 'export', '--from', 'yesterday');
    expect(from.code).toBe(2);
    expect(from.err).toContain('--from "yesterday": expected a date and time');
    const order = await cli.run(
      'cdr',
      'export',
      '--from',
      '2026-02-01T00:00:00Z',
      '--to',
      '2026-01-01T00:00:00Z',
    );
    expect(order.code).toBe(2);
    expect(order.err).toContain('is not before --to');
    const disposition = await cli.run('cdr', 'export', '--disposition', 'lost');
    expect(disposition.err).toContain('expected one of answered|busy|no-answer|cancelled|failed|interrupted');
    const missing = join(cli.dir, 'no-such-dir', 'out.csv');
    const output = await cli.run('cdr', 'export', '--output', missing);
    expect(output.code).toBe(2);
    expect(output.err).toMatch(/^error: --output .*out\.csv: ENOENT/);
  });
});

describe('switchboard cdr export of 200,000 CDRs (SQLite)', () => {
  it('streams them with memory bounded: the resident set grows far less than the data', {
    timeout: 180_000,
  }, async () => {
    const cli = new StoreCli();
    try {
      const file = join(cli.dir, SQLITE_FILE);
      await (await SqliteProvisioningStore.open(file)).close();
      const rows = 200_000;
      const db = new Database(file);
      const insert = db.prepare(
        `insert into cdrs (id, caller_call_id, callee_call_id, caller, callee, trunk, setup_at, answer_at, end_at,
          duration, billable_seconds, status, cause, hangup, disposition, media)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, 60, 55, 200, 16, 'caller', 'answered', ?)`,
      );
      const base = Date.UTC(2026, 0, 1);
      db.transaction(() => {
        for (let n = 0; n < rows; n++) {
          const t = base + n * 1000;
          insert.run(
            `call-${String(n).padStart(7, '0')}`,
            `${n}-a8f3c1d2e4b5@198.51.100.7`,
            `${n}-b9e2d3c4f5a6`,
            `"Caller ${n}, Esq." <sip:+4930${n}@example.com>`,
            `sip:+4940${n}@example.com`,
            n % 2 ? 'carrier-out' : null,
            t,
            t + 5000,
            t + 60000,
            JSON.stringify({ streams: [{ label: 'caller', packets: 3000 + n, lost: n % 7, jitterMs: 1.5 }] }),
          );
        }
      })();
      db.close();

      const output = join(cli.dir, 'all.csv');
      const {
        result: io,
        rss,
        heap,
      } = await memoryGrowth(() => cli.run('cdr', 'export', '--output', output));
      expect(io.code, io.err).toBe(0);
      expect(io.err).toContain(`exported ${rows} CDRs to ${output}`);
      const text = readFileSync(output, 'utf8');
      // The CSV is ~70 MB; 200,000 Cdr objects held at once would be hundreds of MB. Read a page
      // (1,000 rows) at a time, what the process keeps grows by a few MB at most.
      console.log(
        `cdr export (SQLite): ${rows} rows, ${(text.length / 1e6).toFixed(1)} MB of CSV, RSS growth ${(rss / 1e6).toFixed(1)} MB, live heap growth ${(heap / 1e6).toFixed(1)} MB`,
      );
      expect(text.length).toBeGreaterThan(40_000_000);
      expect(rss).toBeLessThan(32 * 1024 * 1024);
      expect(heap).toBeLessThan(16 * 1024 * 1024);
      const records = parseCsv(text);
      expect(records).toHaveLength(rows + 1);
      expect(records[1]![CSV_COLUMNS.indexOf('caller')]).toBe('"Caller 0, Esq." <sip:+49300@example.com>');
      expect(records.at(-1)![0]).toBe(`call-${String(rows - 1).padStart(7, '0')}`);
    } finally {
      cli.cleanup();
    }
  });
});

describe('cdr export internals', () => {
  it('defuses spreadsheet formulas (OWASP CSV injection) and still writes RFC 4180', () => {
    // Each first character a spreadsheet evaluates gets a leading quote mark, shown as text.
    for (const evil of ['=1+1', '+cmd|/c calc', '-2+3', '@SUM(A1)', '\tx', '\r=1']) {
      expect(parseCsv(`${csvField(evil)}\r\n`)).toEqual([[`'${evil}`]]);
    }
    // Quoting survives: a formula with a comma, quotes and a line break is quoted after the guard.
    const hostile = '=HYPERLINK("http://evil.example/?a=1,2","click\r\nme")';
    expect(csvField(hostile)).toBe(`"'${hostile.replaceAll('"', '""')}"`);
    expect(parseCsv(`${csvField(hostile)}\r\n`)).toEqual([[`'${hostile}`]]);
    // Numbers stay numbers; text that only contains those characters later is untouched.
    for (const plain of ['-1', '+4930123', '12.5', 'sip:+4930123@example.com', 'a=b', '']) {
      expect(csvField(plain)).toBe(plain);
    }
    const record = parseCsv(
      csvRecord(
        cdr(9, {
          caller: '=cmd|"/c calc"!A1',
          reason: '@SUM(1+1)*cmd|"/c calc"!A0',
          trunk: '-carrier',
        }),
      ),
    )[0]!;
    const row = Object.fromEntries(CSV_COLUMNS.map((name, i) => [name, record[i]]));
    expect(row).toMatchObject({
      caller: `'=cmd|"/c calc"!A1`,
      reason: `'@SUM(1+1)*cmd|"/c calc"!A0`,
      trunk: "'-carrier",
      callee: 'sip:bob@example.com',
      status: '486',
    });
    expect(record).toHaveLength(CSV_COLUMNS.length);
  });

  it('reports progress at most once per interval, with the rate', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = progressReporter({ stderr: (t) => void lines.push(t) }, 1000, () => now);
    now = 500;
    progress.report(1000);
    expect(progress.reported()).toBe(false);
    now = 1000;
    progress.report(2000);
    now = 1500;
    progress.report(3000);
    now = 2000;
    progress.report(8000);
    expect(lines).toEqual(['exported 2000 CDRs (2000/s)\n', 'exported 8000 CDRs (4000/s)\n']);
    expect(progress.reported()).toBe(true);
  });

  it('stops quietly when the reader closes the pipe (EPIPE), and fails on any other write error', async () => {
    async function* rows(): AsyncIterable<Cdr> {
      for (let n = 0; n < 100_000; n++) yield cdr(n);
    }
    const closing = (code: string) =>
      new Writable({
        write(_chunk, _encoding, done) {
          done(Object.assign(new Error(`write ${code}`), { code }));
        },
      });
    await expect(writeCdrs(rows(), 'csv', closing('EPIPE'))).resolves.toBeGreaterThan(0);
    await expect(writeCdrs(rows(), 'json', closing('ENOSPC'))).rejects.toThrow('write ENOSPC');
  });
});
