import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard domain', () => {
  let cli: StoreCli;
  beforeEach(() => {
    cli = new StoreCli();
  });
  afterEach(() => cli.cleanup());

  it('adds, lists as a table and as JSON, and removes', async () => {
    expect(await cli.ok('domain', 'add', 'Example.COM')).toBe('added domain example.com\n');
    await cli.ok('domain', 'add', 'b.example.org');
    const table = cells(await cli.ok('domain', 'list'));
    expect(table[0]).toEqual(['DOMAIN', 'DIGEST ALGORITHMS', 'CREATED']);
    expect(table.slice(1).map((row) => row[0])).toEqual(['b.example.org', 'example.com']);
    const json = JSON.parse(await cli.ok('domain', 'list', '--json'));
    expect(json.map((d: { name: string }) => d.name)).toEqual(['b.example.org', 'example.com']);
    expect(await cli.ok('domain', 'remove', 'b.example.org')).toBe('removed domain b.example.org\n');
    expect(JSON.parse(await cli.ok('domain', 'list', '--json'))).toHaveLength(1);
  });

  it('sets digest algorithms per domain (add, set, back to default) and lists them', async () => {
    expect(await cli.ok('domain', 'add', 'secure.example', '--auth-algorithms', 'sha-256,MD5')).toBe(
      'added domain secure.example (digest SHA-256, MD5)\n',
    );
    await cli.ok('domain', 'add', 'example.com');
    const rows = () => cli.ok('domain', 'list').then((out) => cells(out).slice(1));
    expect((await rows()).map((row) => row.slice(0, 2))).toEqual([
      ['example.com', 'MD5 (default: auth.algorithms)'],
      ['secure.example', 'SHA-256, MD5'],
    ]);
    expect(await cli.ok('domain', 'set', 'example.com', '--auth-algorithms', 'SHA-256')).toBe(
      'domain example.com: digest SHA-256\n',
    );
    expect(await cli.ok('domain', 'set', 'secure.example', '--auth-algorithms', 'default')).toBe(
      'domain secure.example: digest MD5 (default: auth.algorithms)\n',
    );
    const json = JSON.parse(await cli.ok('domain', 'list', '--json'));
    expect(json.map((d: { name: string; authAlgorithms?: string[] }) => [d.name, d.authAlgorithms])).toEqual([
      ['example.com', ['SHA-256']],
      ['secure.example', undefined],
    ]);
  });

  it('refuses bad --auth-algorithms with exit 2, naming the option and the fix', async () => {
    await cli.ok('domain', 'add', 'example.com');
    const fix =
      "give MD5, SHA-256 or both, most preferred first (e.g. --auth-algorithms SHA-256,MD5), or 'default'";
    for (const [value, problem] of [
      ['SHA-1,MD5', 'invalid digest algorithm "SHA-1": expected MD5 or SHA-256'],
      ['', 'no algorithm named'],
      ['MD5,,SHA-256', 'an empty name between commas'],
      ['MD5,md5', 'invalid digest algorithms: MD5 is listed twice'],
    ] as const) {
      for (const argv of [
        ['domain', 'set', 'example.com', '--auth-algorithms', value],
        ['domain', 'add', 'b.example', '--auth-algorithms', value],
      ]) {
        const io = await cli.run(...argv);
        expect(io.code, argv.join(' ')).toBe(2);
        expect(io.err).toContain(`error: --auth-algorithms ${JSON.stringify(value)}: ${problem}; ${fix}`);
      }
    }
    const nothing = await cli.run('domain', 'set', 'example.com');
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain('give --auth-algorithms');
    const missing = await cli.run('domain', 'set', 'nowhere.net', '--auth-algorithms', 'MD5');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('domain nowhere.net does not exist');
    // Nothing was changed or added by the refused commands.
    expect(JSON.parse(await cli.ok('domain', 'list', '--json'))).toEqual([
      expect.not.objectContaining({ authAlgorithms: expect.anything() }),
    ]);
  });

  it('says when there are none', async () => {
    expect(await cli.ok('domain', 'list')).toContain('no domains');
    expect(JSON.parse(await cli.ok('domain', 'list', '--json'))).toEqual([]);
  });

  it('exits 2 for a duplicate, an invalid name or an unknown domain', async () => {
    await cli.ok('domain', 'add', 'example.com');
    const duplicate = await cli.run('domain', 'add', 'example.com');
    expect(duplicate.code).toBe(2);
    expect(duplicate.err).toBe('error: domain example.com already exists\n');
    const invalid = await cli.run('domain', 'add', 'not a domain');
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain('invalid domain "not a domain"');
    const missing = await cli.run('domain', 'remove', 'nowhere.net');
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('error: domain nowhere.net does not exist\n');
  });

  it('refuses to remove a domain with subscribers unless --force', async () => {
    await cli.ok('domain', 'add', 'example.com');
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'pw');
    const refused = await cli.run('domain', 'remove', 'example.com');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('domain example.com still has 1 subscriber');
    await cli.ok('domain', 'remove', 'example.com', '--force');
    expect(JSON.parse(await cli.ok('subscriber', 'list', '--json'))).toEqual([]);
  });

  it('exits 2 for a missing argument or an unknown flag', async () => {
    expect((await cli.run('domain', 'add')).code).toBe(2);
    expect((await cli.run('domain', 'list', '--colour')).code).toBe(2);
  });

  it('exits 1 when the store cannot be opened', async () => {
    const io = await new StoreCli(['--store-url', 'postgres://sb:pw@127.0.0.1:1/none']).run('domain', 'list');
    expect(io.code).toBe(1);
    expect(io.err).toMatch(
      /^error: cannot open the PostgreSQL store postgres:\/\/sb:\*\*\*@127\.0\.0\.1:1\/none: /,
    );
  });

  it('exits 2 for a store URL that is not PostgreSQL', async () => {
    const io = await new StoreCli(['--store-url', 'mysql://h/db']).run('domain', 'list');
    expect(io.code).toBe(2);
    expect(io.err).toContain('store.url: expected empty (SQLite in dataDir) or a URL such as postgres://');
  });
});
