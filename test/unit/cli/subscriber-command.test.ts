import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard subscriber', () => {
  let cli: StoreCli;
  beforeEach(async () => {
    cli = new StoreCli();
    await cli.ok('domain', 'add', 'example.com');
  });
  afterEach(() => cli.cleanup());

  async function stored(username: string) {
    const store = await openStore({ dataDir: cli.dir });
    try {
      return await store.getSubscriber(username, 'example.com');
    } finally {
      await store.close();
    }
  }

  it('adds with display name and --disabled, storing only HA1', async () => {
    const out = await cli.ok(
      'subscriber',
      'add',
      'alice@example.com',
      '--password',
      's3cret',
      '--display-name',
      'Alice Liddell',
      '--disabled',
    );
    expect(out).toBe('added subscriber alice@example.com (disabled)\n');
    const alice = await stored('alice');
    expect(alice?.ha1Md5).toBe(createHash('md5').update('alice:example.com:s3cret').digest('hex'));
    expect(alice).toMatchObject({ displayName: 'Alice Liddell', enabled: false });
  });

  it('lists as an aligned table and as JSON without HA1 values', async () => {
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'pw', '--display-name', 'Alice');
    await cli.ok('subscriber', 'add', 'bob@example.com', '--password', 'pw', '--disabled');
    await cli.ok('number', 'add', '+14155550100', 'alice@example.com');
    await cli.ok('alias', 'add', 'al@example.com', 'alice@example.com');
    const out = await cli.ok('subscriber', 'list');
    expect(cells(out)).toEqual([
      ['SUBSCRIBER', 'DISPLAY NAME', 'STATUS', 'ALIASES AND NUMBERS'],
      ['alice@example.com', 'Alice', 'enabled', 'al@example.com, +14155550100'],
      ['bob@example.com', 'disabled'],
    ]);
    const lines = out.split('\n');
    expect(lines[1]!.indexOf('Alice')).toBe(lines[0]!.indexOf('DISPLAY NAME'));
    const json = await cli.ok('subscriber', 'list', '--json', '--domain', 'example.com');
    expect(json).not.toMatch(/ha1/i);
    expect(JSON.parse(json)[0]).toMatchObject({
      address: 'alice@example.com',
      displayName: 'Alice',
      enabled: true,
      aliases: ['al@example.com'],
      numbers: ['+14155550100'],
    });
    expect(JSON.parse(await cli.ok('subscriber', 'list', '--json', '--domain', 'other.org'))).toEqual([]);
  });

  it('refuses an unknown domain with the hint to add it', async () => {
    const io = await cli.run('subscriber', 'add', 'carol@nowhere.net', '--password', 'pw');
    expect(io.code).toBe(2);
    expect(io.err).toBe(
      'error: domain nowhere.net does not exist (add it first: switchboard domain add nowhere.net)\n',
    );
  });

  it('refuses a duplicate with exit 2', async () => {
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'pw');
    const io = await cli.run('subscriber', 'add', 'alice@example.com', '--password', 'pw');
    expect(io.code).toBe(2);
    expect(io.err).toBe('error: subscriber alice@example.com already exists\n');
  });

  it('rejects SQL-looking usernames that are not SIP user parts, and stores the ones that are', async () => {
    const rejected = await cli.run(
      'subscriber',
      'add',
      "x'); DROP TABLE subscribers;--@example.com",
      '--password',
      'p',
    );
    expect(rejected.code).toBe(2);
    expect(rejected.err).toContain('invalid username "x\'); DROP TABLE subscribers;--"');
    await cli.ok('subscriber', 'add', "o'brien;--@example.com", '--password', 'p');
    const json = JSON.parse(await cli.ok('subscriber', 'list', '--json'));
    expect(json.map((s: { username: string }) => s.username)).toEqual(["o'brien;--"]);
  });

  it('exits 2 for a malformed address or a missing --password', async () => {
    const noAt = await cli.run('subscriber', 'add', 'alice', '--password', 'pw');
    expect(noAt.code).toBe(2);
    expect(noAt.err).toContain('expected user@domain');
    const noPassword = await cli.run('subscriber', 'add', 'alice@example.com');
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toContain("required option '--password <password>' not specified");
  });

  it('changes the password, disables, enables and removes', async () => {
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'old');
    expect(await cli.ok('subscriber', 'passwd', 'alice@example.com', '--password', 'new')).toBe(
      'changed the password of alice@example.com\n',
    );
    expect((await stored('alice'))?.ha1Sha256).toBe(
      createHash('sha256').update('alice:example.com:new').digest('hex'),
    );
    await cli.ok('subscriber', 'disable', 'alice@example.com');
    expect((await stored('alice'))?.enabled).toBe(false);
    await cli.ok('subscriber', 'enable', 'alice@example.com');
    expect((await stored('alice'))?.enabled).toBe(true);
    expect(await cli.ok('subscriber', 'remove', 'alice@example.com')).toBe(
      'removed subscriber alice@example.com\n',
    );
    const again = await cli.run('subscriber', 'remove', 'alice@example.com');
    expect(again.code).toBe(2);
    expect(again.err).toBe('error: subscriber alice@example.com does not exist\n');
    expect((await cli.run('subscriber', 'passwd', 'bob@example.com', '--password', 'x')).code).toBe(2);
  });
});
