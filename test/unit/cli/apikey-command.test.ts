import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard apikey', () => {
  let cli: StoreCli;
  beforeEach(() => {
    cli = new StoreCli();
  });
  afterEach(() => cli.cleanup());

  async function verify(key: string) {
    const store = await openStore({ dataDir: cli.dir });
    try {
      return await store.apiKeys.verifyApiKey(key);
    } finally {
      await store.close();
    }
  }

  it('adds a key, prints it once with a warning on stderr, and the store accepts it', async () => {
    const io = await cli.run('apikey', 'add', 'billing export');
    expect(io.code).toBe(0);
    const [first, key, ...rest] = io.out.split('\n');
    expect(first).toMatch(/^added API key [0-9a-f]{12} \(billing export\)$/);
    expect(key).toMatch(/^sb_[0-9a-f]{12}_\S+$/);
    expect(rest).toEqual(['']);
    expect(io.err).toMatch(/^warning: the key is shown only now/);
    const id = first!.split(' ')[3];
    expect(await verify(key!)).toMatchObject({ id, name: 'billing export' });
    // Listing never shows the key again.
    const listed = await cli.ok('apikey', 'list');
    expect(listed).not.toContain(key!.slice(20));
  });

  it('adds with --json for scripts', async () => {
    const out = await cli.ok('apikey', 'add', 'ci', '--json');
    const made = JSON.parse(out) as { id: string; name: string; createdAt: string; key: string };
    expect(made).toMatchObject({ name: 'ci' });
    expect(new Date(made.createdAt).getTime()).toBeGreaterThan(0);
    expect(await verify(made.key)).toMatchObject({ id: made.id });
  });

  it('lists as a table and as JSON, and says when there are none', async () => {
    expect(await cli.ok('apikey', 'list')).toBe('no API keys\n');
    const a = JSON.parse(await cli.ok('apikey', 'add', 'alpha', '--json')) as { id: string };
    const b = JSON.parse(await cli.ok('apikey', 'add', 'beta', '--json')) as { id: string };
    const rows = cells(await cli.ok('apikey', 'list'));
    expect(rows[0]).toEqual(['ID', 'NAME', 'CREATED']);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual(
      [
        [a.id, 'alpha'],
        [b.id, 'beta'],
      ].sort((x, y) => x[0]!.localeCompare(y[0]!)),
    );
    const json = JSON.parse(await cli.ok('apikey', 'list', '--json')) as Array<Record<string, unknown>>;
    expect(json).toHaveLength(2);
    for (const k of json) expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'name']);
  });

  it('removes a key so that it no longer verifies; an unknown id exits 2', async () => {
    const made = JSON.parse(await cli.ok('apikey', 'add', 'temp', '--json')) as { id: string; key: string };
    expect(await cli.ok('apikey', 'remove', made.id)).toBe(`removed API key ${made.id}\n`);
    expect(await verify(made.key)).toBeUndefined();
    const again = await cli.run('apikey', 'remove', made.id);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`error: API key ${made.id} does not exist\n`);
  });

  it('refuses an empty or too long name with exit 2', async () => {
    const empty = await cli.run('apikey', 'add', '  ');
    expect(empty.code).toBe(2);
    expect(empty.err).toBe('error: an API key name is 1-100 characters\n');
    expect((await cli.run('apikey', 'add', 'x'.repeat(101))).code).toBe(2);
  });

  it('has --help on every subcommand', async () => {
    for (const sub of ['add', 'list', 'remove']) {
      const io = await cli.run('apikey', sub, '--help');
      expect(io.code).toBe(0);
      expect(io.out).toContain('--data-dir');
    }
  });
});
