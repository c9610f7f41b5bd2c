import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../../src/store/index.js';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard cdr list', () => {
  let cli: StoreCli;
  beforeEach(async () => {
    cli = new StoreCli();
    // The node writes CDRs; here the store is filled the same way, then read through the CLI.
    const store = await SqliteProvisioningStore.open(join(cli.dir, SQLITE_FILE));
    for (const [n, disposition, status] of [
      [1, 'answered', 200],
      [2, 'busy', 486],
      [3, 'cancelled', 487],
    ] as const) {
      await store.cdrs.addCdr({
        id: `call-${n}`,
        callerCallId: `a-${n}`,
        calleeCallId: `b-${n}`,
        caller: 'sip:alice@example.com',
        callee: 'sip:bob@example.com',
        setupAt: new Date(Date.UTC(2026, 0, 1, 12, 0, n)),
        endAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 30)),
        duration: 30 - n,
        billableSeconds: disposition === 'answered' ? 25 : 0,
        status,
        cause: disposition === 'busy' ? 17 : 16,
        hangup: disposition === 'busy' ? 'callee' : 'caller',
        disposition,
      });
    }
    await store.close();
  });
  afterEach(() => cli.cleanup());

  it('prints JSON pages with the cursor, newest first', async () => {
    const first = JSON.parse(await cli.ok('cdr', 'list', '--limit', '2', '--json'));
    expect(first.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-3', 'call-2']);
    expect(first.cdrs[1]).toMatchObject({
      status: 486,
      cause: 17,
      hangup: 'callee',
      setupAt: '2026-01-01T12:00:02.000Z',
    });
    const second = JSON.parse(await cli.ok('cdr', 'list', '--limit', '2', '--after', first.next, '--json'));
    expect(second.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-1']);
    expect(second.next).toBeUndefined();
  });

  it('filters, and prints a table by default', async () => {
    const out = await cli.ok('cdr', 'list', '--disposition', 'busy');
    const rows = cells(out);
    expect(rows[0]).toEqual([
      'SETUP',
      'CALLER',
      'CALLEE',
      'TRUNK',
      'DISPOSITION',
      'STATUS',
      'CAUSE',
      'BILLABLE',
      'HANGUP',
      'ID',
    ]);
    expect(rows.slice(1)).toEqual([
      [
        '2026-01-01T12:00:02.000Z',
        'sip:alice@example.com',
        'sip:bob@example.com',
        '-',
        'busy',
        '486',
        '17',
        '0s',
        'callee',
        'call-2',
      ],
    ]);
    const window = JSON.parse(
      await cli.ok('cdr', 'list', '--from', '2026-01-01T12:00:02Z', '--to', '2026-01-01T12:00:03Z', '--json'),
    );
    expect(window.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-2']);
  });

  it('refuses bad arguments precisely', async () => {
    const bad = await cli.run('cdr', 'list', '--disposition', 'maybe');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain(
      '--disposition "maybe": expected one of answered|busy|no-answer|cancelled|failed',
    );
    const badTime = await cli.run('cdr', 'list', '--from', 'yesterday');
    expect(badTime.err).toContain('--from "yesterday": expected a date and time');
    const badCursor = await cli.run('cdr', 'list', '--after', 'xyz');
    expect(badCursor.code).not.toBe(0);
    expect(badCursor.err).toContain('after');
  });
});
