import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard number and alias', () => {
  let cli: StoreCli;
  beforeEach(async () => {
    cli = new StoreCli();
    await cli.ok('domain', 'add', 'example.com');
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'pw');
    await cli.ok('subscriber', 'add', 'bob@example.com', '--password', 'pw');
  });
  afterEach(() => cli.cleanup());

  it('assigns, lists and removes numbers in any spelling', async () => {
    expect(await cli.ok('number', 'add', '1 415 555 0100', 'alice@example.com')).toBe(
      'assigned +14155550100 to alice@example.com\n',
    );
    expect(cells(await cli.ok('number', 'list'))).toEqual([
      ['NUMBER', 'SUBSCRIBER'],
      ['+14155550100', 'alice@example.com'],
    ]);
    expect(JSON.parse(await cli.ok('number', 'list', '--json'))).toEqual([
      { alias: '+14155550100', domain: 'example.com', username: 'alice', kind: 'number' },
    ]);
    const taken = await cli.run('number', 'add', '+14155550100', 'bob@example.com');
    expect(taken.code).toBe(2);
    expect(taken.err).toBe('error: number +14155550100 is already assigned to alice@example.com\n');
    expect(await cli.ok('number', 'remove', '14155550100')).toBe(
      'removed +14155550100 from alice@example.com\n',
    );
    const gone = await cli.run('number', 'remove', '+14155550100');
    expect(gone.code).toBe(2);
    expect(gone.err).toBe('error: number +14155550100 is not assigned\n');
  });

  it('rejects a malformed number and an unknown subscriber with exit 2', async () => {
    const bad = await cli.run('number', 'add', 'call-me', 'alice@example.com');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('expected an E.164 number such as +14155550100');
    const nobody = await cli.run('number', 'add', '+14155550199', 'carol@example.com');
    expect(nobody.code).toBe(2);
    expect(nobody.err).toBe('error: subscriber carol@example.com does not exist\n');
  });

  it('adds, lists and removes aliases in the same domain only', async () => {
    expect(await cli.ok('alias', 'add', 'bob.smith@example.com', 'bob@example.com')).toBe(
      'added alias bob.smith@example.com for bob@example.com\n',
    );
    expect(cells(await cli.ok('alias', 'list'))).toEqual([
      ['ALIAS', 'SUBSCRIBER'],
      ['bob.smith@example.com', 'bob@example.com'],
    ]);
    const elsewhere = await cli.run('alias', 'add', 'bob@other.org', 'bob@example.com');
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toContain("an alias lives in its subscriber's domain");
    const shadow = await cli.run('alias', 'add', 'alice@example.com', 'bob@example.com');
    expect(shadow.code).toBe(2);
    expect(await cli.ok('alias', 'remove', 'bob.smith@example.com')).toBe(
      'removed alias bob.smith@example.com\n',
    );
    expect((await cli.run('alias', 'remove', 'bob.smith@example.com')).code).toBe(2);
  });
});
