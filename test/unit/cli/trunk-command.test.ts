import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard trunk, gateway, route', () => {
  let cli: StoreCli;
  beforeEach(() => {
    cli = new StoreCli();
  });
  afterEach(() => cli.cleanup());

  it('adds a trunk with inbound, outbound and registration settings; shows it without its passwords', async () => {
    expect(
      await cli.ok(
        'trunk',
        'add',
        'carrier-a',
        '--inbound-cidr',
        '203.0.113.0/24,198.51.100.7',
        '--inbound-username',
        'a-in',
        '--inbound-password',
        'in-secret',
        '--inbound-prefix',
        '+1',
        '--dispatch',
        'round-robin',
        '--prefix',
        '00',
        '--caller-id',
        '+14155550100',
        '--reply-timeout',
        '2000',
        '--failover-codes',
        '408,503',
        '--codecs',
        'PCMU,PCMA',
        '--register-uri',
        'sip:sip.carrier-a.example',
        '--register-username',
        'acct',
        '--register-password',
        'reg-secret',
      ),
    ).toBe('added trunk carrier-a\n');
    const json = JSON.parse(await cli.ok('trunk', 'show', 'carrier-a', '--json'));
    expect(json).toMatchObject({
      name: 'carrier-a',
      inboundCidrs: ['203.0.113.0/24', '198.51.100.7'],
      inboundUsername: 'a-in',
      inboundPassword: '***',
      dispatch: 'round-robin',
      noReplyTimeout: 2000,
      failoverCodes: ['408', '503'],
      codecs: ['PCMU', 'PCMA'],
      registration: {
        registrar: 'sip:sip.carrier-a.example',
        username: 'acct',
        password: '***',
        expires: 3600,
      },
      gateways: [],
    });
    const listed = await cli.ok('trunk', 'list');
    expect(listed).not.toContain('secret');
    expect(cells(listed)[1]).toEqual([
      'carrier-a',
      'yes',
      '203.0.113.0/24, 198.51.100.7, digest a-in',
      'round-robin',
      '0',
      'sip:sip.carrier-a.example',
    ]);
    expect(await cli.ok('trunk', 'show', 'carrier-a')).not.toContain('secret');
  });

  it('changes settings with set, clears with none/default, and refuses bad values naming the field', async () => {
    await cli.ok('trunk', 'add', 'carrier-a', '--caller-id', '+14155550100', '--failover-codes', '503');
    await cli.ok(
      'trunk',
      'set',
      'carrier-a',
      '--caller-id',
      'none',
      '--failover-codes',
      'default',
      '--disable',
    );
    const json = JSON.parse(await cli.ok('trunk', 'show', 'carrier-a', '--json'));
    expect(json.callerId).toBeUndefined();
    expect(json.failoverCodes).toBeUndefined();
    expect(json.enabled).toBe(false);
    for (const [argv, message] of [
      [['--inbound-cidr', '10.0.0.0/40'], 'invalid inbound CIDR "10.0.0.0/40"'],
      [['--dispatch', 'random'], 'invalid dispatch "random"'],
      [['--failover-codes', '408,486'], 'invalid failover code "486"'],
      [['--strip', 'two'], '--strip "two": expected a whole number'],
      [['--register-uri', 'sip:reg.example'], 'registration needs --register-username too'],
      [[], 'nothing to change for trunk carrier-a'],
    ] as const) {
      const io = await cli.run('trunk', 'set', 'carrier-a', ...argv);
      expect(io.code, argv.join(' ')).toBe(2);
      expect(io.err).toContain(message);
    }
    const bad = await cli.run('trunk', 'add', 'bad name');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('invalid trunk name "bad name"');
    expect(JSON.parse(await cli.ok('trunk', 'list', '--json')).map((t: { name: string }) => t.name)).toEqual([
      'carrier-a',
    ]);
  });

  it("lists gateways with their trunk, shows a trunk's own without it, and hints at adding one when none", async () => {
    await cli.ok('trunk', 'add', 'carrier-b');
    expect(await cli.ok('gateway', 'list')).toBe(
      'no gateways (add one: switchboard gateway add carrier-a sip:203.0.113.5:5060)\n',
    );
    expect(await cli.ok('trunk', 'show', 'carrier-b')).toContain(
      'no gateways (add one: switchboard gateway add carrier-b sip:203.0.113.5:5060)\n',
    );
    await cli.ok('gateway', 'add', 'carrier-b', 'sip:203.0.113.9', '--id', 'b1', '--priority', '2');
    expect(cells(await cli.ok('gateway', 'list'))).toEqual([
      ['GATEWAY', 'TRUNK', 'URI', 'TRANSPORT', 'PRIORITY', 'WEIGHT', 'PROBE', 'ENABLED'],
      ['b1', 'carrier-b', 'sip:203.0.113.9', 'udp', '2', '1', 'yes', 'yes'],
    ]);
    const shown = cells(await cli.ok('trunk', 'show', 'carrier-b'));
    const head = shown.findIndex((row) => row[0] === 'GATEWAY');
    expect(shown.slice(head)).toEqual([
      ['GATEWAY', 'URI', 'TRANSPORT', 'PRIORITY', 'WEIGHT', 'PROBE', 'ENABLED'],
      ['b1', 'sip:203.0.113.9', 'udp', '2', '1', 'yes', 'yes'],
    ]);
  });

  it('adds, lists, changes and removes gateways; refuses bad URIs and weights', async () => {
    await cli.ok('trunk', 'add', 'carrier-a');
    expect(
      await cli.ok('gateway', 'add', 'carrier-a', 'sip:203.0.113.5:5060', '--id', 'a1', '--weight', '3'),
    ).toBe('added gateway a1 (sip:203.0.113.5:5060) to trunk carrier-a\n');
    await cli.ok('gateway', 'add', 'carrier-a', 'sip:203.0.113.6;transport=tcp', '--id', 'a2', '--no-probe');
    const rows = cells(await cli.ok('gateway', 'list', '--trunk', 'carrier-a'));
    expect(rows.slice(1)).toEqual([
      ['a1', 'carrier-a', 'sip:203.0.113.5:5060', 'udp', '0', '3', 'yes', 'yes'],
      ['a2', 'carrier-a', 'sip:203.0.113.6;transport=tcp', 'tcp', '0', '1', 'no', 'yes'],
    ]);
    await cli.ok('gateway', 'set', 'a1', '--priority', '5', '--disable');
    expect(JSON.parse(await cli.ok('gateway', 'list', '--json'))[1]).toMatchObject({
      id: 'a1',
      priority: 5,
      enabled: false,
    });
    for (const [argv, message] of [
      [['gateway', 'add', 'carrier-a', 'sip:+44@203.0.113.9'], 'no user part'],
      [['gateway', 'add', 'carrier-a', 'http://x'], 'invalid gateway URI "http://x"'],
      [['gateway', 'add', 'carrier-a', 'sip:203.0.113.9', '--weight', '-1'], 'invalid weight -1'],
      [['gateway', 'add', 'nowhere', 'sip:203.0.113.9'], 'trunk nowhere does not exist'],
      [['gateway', 'remove', 'zz'], 'gateway zz does not exist'],
    ] as const) {
      const io = await cli.run(...argv);
      expect(io.code, argv.join(' ')).toBe(2);
      expect(io.err).toContain(message);
    }
    expect(await cli.ok('gateway', 'remove', 'a2')).toBe('removed gateway a2\n');
    expect(JSON.parse(await cli.ok('gateway', 'list', '--json'))).toHaveLength(1);
  });

  it('adds routes with prices and time bands, lists them by prefix, refuses duplicates and bad prefixes', async () => {
    await cli.ok('trunk', 'add', 'carrier-a');
    await cli.ok('trunk', 'add', 'carrier-b');
    expect(await cli.ok('route', 'add', '+44', 'carrier-a', '--id', 'uk', '--price', '0.012')).toBe(
      'added route uk: 44 to carrier-a\n',
    );
    await cli.ok('route', 'add', '4420', 'carrier-b', '--id', 'london', '--time-band', 'mon-fri 08:00-18:00');
    await cli.ok('route', 'add', '', 'carrier-b', '--id', 'all');
    const rows = cells(await cli.ok('route', 'list'));
    expect(rows.slice(1)).toEqual([
      ['all', "''", 'carrier-b', '0', '-', 'always', 'yes'],
      ['uk', '44', 'carrier-a', '0', '0.012', 'always', 'yes'],
      ['london', '4420', 'carrier-b', '0', '-', 'mon-fri 08:00-18:00', 'yes'],
    ]);
    await cli.ok('route', 'set', 'london', '--time-band', 'always', '--price', '0.02');
    expect(JSON.parse(await cli.ok('route', 'list', '--prefix', '442', '--json'))).toMatchObject([
      { id: 'london', timeBands: [], price: 0.02 },
    ]);
    for (const [argv, message] of [
      [
        ['route', 'add', '44', 'carrier-a'],
        'a route for prefix 44 to trunk carrier-a, always already exists (uk)',
      ],
      [['route', 'add', '44a', 'carrier-a'], 'invalid prefix "44a"'],
      [['route', 'add', '33', 'carrier-a', '--price', 'cheap'], '--price "cheap": expected a number'],
      [['route', 'add', '33', 'carrier-a', '--time-band', 'mon 9-5'], 'invalid time band "mon 9-5"'],
      [['trunk', 'remove', 'carrier-a'], 'trunk carrier-a is still used by 1 route'],
    ] as const) {
      const io = await cli.run(...argv);
      expect(io.code, argv.join(' ')).toBe(2);
      expect(io.err).toContain(message);
    }
    expect(await cli.ok('trunk', 'remove', 'carrier-a', '--force')).toBe('removed trunk carrier-a\n');
    expect(JSON.parse(await cli.ok('route', 'list', '--json')).map((r: { id: string }) => r.id)).toEqual([
      'all',
      'london',
    ]);
  });

  it('imports a rate deck all or none, naming the file line of a bad row', async () => {
    await cli.ok('trunk', 'add', 'carrier-a');
    const file = join(cli.dir, 'deck.csv');
    writeFileSync(
      file,
      'prefix,trunk,price,priority,bands\n# UK\n44,carrier-a,0.01\n4420,carrier-a,0.02,1,mon-fri 08:00-18:00;sat 09:00-12:00\n',
    );
    expect(await cli.ok('route', 'import', file)).toBe('imported 2 routes\n');
    writeFileSync(file, '33,carrier-a\n34,carrier-a\n\n33,carrier-a\n');
    const io = await cli.run('route', 'import', file);
    expect(io.code).toBe(2);
    expect(io.err).toContain(`${file} line 4: it repeats line 1`);
    writeFileSync(file, '35,carrier-a,free\n');
    expect((await cli.run('route', 'import', file)).err).toContain(
      `${file} line 1: price "free" is not a number`,
    );
    expect(JSON.parse(await cli.ok('route', 'list', '--json'))).toHaveLength(2);
  });

  it.each([
    ['trunk', 'add'],
    ['trunk', 'list'],
    ['trunk', 'show'],
    ['trunk', 'set'],
    ['trunk', 'remove'],
    ['gateway', 'add'],
    ['gateway', 'list'],
    ['gateway', 'set'],
    ['gateway', 'remove'],
    ['route', 'add'],
    ['route', 'list'],
    ['route', 'set'],
    ['route', 'remove'],
    ['route', 'import'],
  ])('%s %s --help exits 0 with usage, store options and --json', async (...command) => {
    const io = new FakeIo();
    await runCli([...command, '--help'], io, fakeDeps().deps);
    expect(io.code).toBe(0);
    expect(io.out).toContain(`Usage: switchboard ${command.join(' ')}`);
    for (const flag of ['--data-dir <dir>', '--store-url <url>', '--json']) expect(io.out).toContain(flag);
  });
});
