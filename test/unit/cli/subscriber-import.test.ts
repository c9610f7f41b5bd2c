import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseImportFile, splitCsv } from '../../../src/cli/commands/import-file.js';
import { openStore } from '../../../src/store/index.js';
import { StoreCli } from './store-cli.js';

describe('parseImportFile', () => {
  it('reads TSV with a header, comments and blank lines, by extension', () => {
    const parsed = parseImportFile(
      'username\tdomain\tpassword\tdisplay name\n# staff\n\nalice\texample.com\tp w\tAlice L\nbob\tExample.com\tpw\n',
      'users.tsv',
    );
    expect(parsed.format).toBe('tsv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      {
        line: 4,
        subscriber: { username: 'alice', domain: 'example.com', password: 'p w', displayName: 'Alice L' },
      },
      { line: 5, subscriber: { username: 'bob', domain: 'example.com', password: 'pw' } },
    ]);
  });

  it('reads CSV with quotes (commas and quotes in fields), sniffed from the content', () => {
    const parsed = parseImportFile('\uFEFFalice,example.com,"a,b","Liddell, ""Alice"""\r\n', 'users.txt');
    expect(parsed.format).toBe('csv');
    expect(parsed.rows[0]?.subscriber).toEqual({
      username: 'alice',
      domain: 'example.com',
      password: 'a,b',
      displayName: 'Liddell, "Alice"',
    });
    expect(parseImportFile('alice\texample.com\tpw\n', 'users').format).toBe('tsv');
    expect(splitCsv('a,"b')).toBeUndefined();
  });

  it('reports every bad line with its number', () => {
    const parsed = parseImportFile(
      [
        'alice,example.com,pw',
        'bad user,example.com,pw',
        'carol,example.com',
        'alice,EXAMPLE.com,pw2',
        'dan,-x-,pw',
        'eve,example.com,""',
      ].join('\n'),
      'u.csv',
    );
    expect(parsed.rows.map((r) => r.line)).toEqual([1]);
    expect(parsed.problems).toEqual([
      { line: 2, message: expect.stringContaining('invalid username "bad user"') },
      { line: 3, message: 'expected 3 or 4 fields (username, domain, password[, display name]), got 2' },
      { line: 4, message: 'alice@example.com is also on line 1' },
      { line: 5, message: expect.stringContaining('invalid domain "-x-"') },
      { line: 6, message: 'invalid password: it is empty' },
    ]);
  });
});

describe('switchboard subscriber import', () => {
  let cli: StoreCli;
  beforeEach(async () => {
    cli = new StoreCli();
    await cli.ok('domain', 'add', 'example.com');
  });
  afterEach(() => cli.cleanup());

  function file(name: string, text: string): string {
    const path = join(cli.dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('imports 10,000 rows with progress every 1,000 on stderr and a summary', async () => {
    const lines = ['username\tdomain\tpassword\tdisplay name'];
    for (let i = 0; i < 10_000; i++) lines.push(`u${i}\texample.com\tpw${i}\tUser ${i}`);
    const path = file('users.tsv', `${lines.join('\n')}\n`);
    const io = await cli.run('subscriber', 'import', path);
    expect(io.code, io.err).toBe(0);
    const progress = io.err.trimEnd().split('\n');
    expect(progress).toHaveLength(10);
    expect(progress[0]).toBe('imported 1000 of 10000');
    expect(progress[9]).toBe('imported 10000 of 10000');
    expect(io.out).toMatch(/^imported 10000 subscribers into 1 domain\(s\) from .*users\.tsv in \d+\.\ds\n$/);
    const store = await openStore({ dataDir: cli.dir });
    expect(await store.listSubscribers()).toHaveLength(10_000);
    expect((await store.getSubscriber('u9999', 'example.com'))?.displayName).toBe('User 9999');
    await store.close();
  }, 60_000);

  it('refuses the whole file when a line is bad, listing each with its line number', async () => {
    await cli.ok('subscriber', 'add', 'bob@example.com', '--password', 'pw');
    const path = file(
      'users.csv',
      'username,domain,password\nalice,example.com,pw\nbob,example.com,pw\ncarol,nowhere.net,pw\nx y,example.com,pw\n',
    );
    const io = await cli.run('subscriber', 'import', path);
    expect(io.code).toBe(2);
    expect(io.err.trimEnd().split('\n')).toEqual([
      `${path}:3: subscriber bob@example.com already exists`,
      `${path}:4: domain nowhere.net does not exist (add it first: switchboard domain add nowhere.net)`,
      `${path}:5: invalid username "x y": expected 1-64 letters, digits or - _ . ! ~ * ' ( ) & = + $ , ; ? /`,
      `error: 3 bad lines in ${path}: nothing imported (fix them and run again)`,
    ]);
    const json = JSON.parse(await cli.ok('subscriber', 'list', '--json'));
    expect(json.map((s: { username: string }) => s.username)).toEqual(['bob']);
  });

  it('--dry-run checks without importing; --json prints a summary', async () => {
    const path = file('users.csv', 'alice,example.com,pw\nbob,example.com,pw\n');
    const dry = await cli.run('subscriber', 'import', path, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ format: 'csv', checked: 2, imported: 0, domains: 1 });
    expect(JSON.parse(await cli.ok('subscriber', 'list', '--json'))).toEqual([]);
    const real = JSON.parse(await cli.ok('subscriber', 'import', path, '--json'));
    expect(real).toMatchObject({ checked: 2, imported: 2 });
  });

  it('exits 2 for a file it cannot read', async () => {
    const io = await cli.run('subscriber', 'import', join(cli.dir, 'missing.csv'));
    expect(io.code).toBe(2);
    expect(io.err).toMatch(/^error: cannot read .*missing\.csv: ENOENT/);
  });
});
