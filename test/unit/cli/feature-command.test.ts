import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard feature', () => {
  let cli: StoreCli;
  beforeEach(async () => {
    cli = new StoreCli();
    await cli.ok('domain', 'add', 'example.com');
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'secret');
  });
  afterEach(() => cli.cleanup());

  it('sets, shows (own, domain, JSON with what applies) and clears settings', async () => {
    expect(
      await cli.ok(
        'feature',
        'set',
        'example.com',
        '--forward-unreachable',
        'sip:voicemail@example.com',
        '--reject-anonymous',
        '--country-code',
        '49',
        '--national-prefix',
        '0',
      ),
    ).toBe(
      'domain example.com: forward-unreachable sip:voicemail@example.com, reject-anonymous true, numbering countryCode=49 nationalPrefix=0\n',
    );
    // One flag of the numbering plan changes that part only.
    await cli.ok('feature', 'set', 'example.com', '--international-prefix', '00');
    expect(
      await cli.ok(
        'feature',
        'set',
        'alice@example.com',
        '--forward-busy',
        'bob',
        '--ring-timeout',
        '2',
        '--bar-outgoing',
        '+1900*',
        '00*',
        '--no-reject-anonymous',
      ),
    ).toBe(
      'alice@example.com: forward-busy bob, ring-timeout 2, bar-outgoing +1900* 00*, reject-anonymous false\n',
    );
    const table = cells(await cli.ok('feature', 'show', 'alice@example.com'));
    expect(table[0]).toEqual(['SETTING', 'SUBSCRIBER', 'DOMAIN']);
    expect(table).toContainEqual(['forward-unreachable', '-', 'sip:voicemail@example.com']);
    expect(table).toContainEqual(['reject-anonymous', 'false', 'true']);
    const json = JSON.parse(await cli.ok('feature', 'show', 'alice@example.com', '--json'));
    expect(json.effective).toEqual({
      forwardUnreachable: 'sip:voicemail@example.com',
      forwardBusy: 'bob',
      ringTimeout: 2,
      barOutgoing: ['+1900*', '00*'],
      rejectAnonymous: false,
      numbering: { countryCode: '49', nationalPrefix: '0', internationalPrefix: '00' },
    });
    expect(await cli.ok('feature', 'clear', 'alice@example.com', 'ring-timeout', 'bar-outgoing')).toBe(
      'alice@example.com: forward-busy bob, reject-anonymous false\n',
    );
    expect(await cli.ok('feature', 'clear', 'alice@example.com')).toBe(
      'alice@example.com: every setting cleared\n',
    );
    expect(await cli.ok('feature', 'show', 'alice@example.com', '--json')).toContain('"features": {}');
  });

  it('refuses bad input naming the flag, and stores nothing of it (exit 2)', async () => {
    await cli.ok('feature', 'set', 'alice@example.com', '--forward-busy', 'sip:bob@example.com');
    const cases: Array<[string[], RegExp]> = [
      [['--forward-always', 'sip:', '--clir'], /invalid --forward-always "sip:": not a URI/],
      [
        ['--ring-timeout', 'soon'],
        /invalid --ring-timeout "soon": expected a whole number from 1 to 600 seconds/,
      ],
      [['--bar-incoming', '+1*9'], /invalid --bar-incoming pattern "\+1\*9"/],
      [['--max-diversions', '99'], /invalid --max-diversions 99/],
      [['--country-code', '49'], /--country-code is a domain setting/],
      [[], /nothing to change/],
    ];
    for (const [flags, message] of cases) {
      const io = await cli.run('feature', 'set', 'alice@example.com', ...flags);
      expect(io.code, io.err).toBe(2);
      expect(io.err).toMatch(message);
    }
    const domain = await cli.run('feature', 'set', 'example.com', '--country-code', '049');
    expect(domain.err).toMatch(/invalid --country-code "049": expected 1-3 digits/);
    const unknown = await cli.run('feature', 'set', 'bob@example.com', '--clir');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/subscriber bob@example.com does not exist/);
    const nobody = await cli.run('feature', 'clear', 'bob@example.com');
    expect([nobody.code, nobody.err]).toEqual([2, 'error: subscriber bob@example.com does not exist\n']);
    const noDomain = await cli.run('feature', 'clear', 'other.example');
    expect(noDomain.err).toBe('error: domain other.example does not exist\n');
    const clear = await cli.run('feature', 'clear', 'alice@example.com', 'numbering');
    expect(clear.err).toMatch(/unknown setting "numbering"/);
    expect(JSON.parse(await cli.ok('feature', 'show', 'alice@example.com', '--json')).features).toEqual({
      forwardBusy: 'sip:bob@example.com',
    });
  });
});
