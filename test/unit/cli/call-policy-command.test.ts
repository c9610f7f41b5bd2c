import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreCli } from './store-cli.js';

describe('switchboard subscriber|domain|trunk policy', () => {
  let cli: StoreCli;
  beforeEach(async () => {
    cli = new StoreCli();
    await cli.ok('domain', 'add', 'example.com');
    await cli.ok('subscriber', 'add', 'alice@example.com', '--password', 'secret');
    await cli.ok('trunk', 'add', 'carrier');
  });
  afterEach(() => cli.cleanup());

  it('sets settings one flag at a time, shows them (text, JSON) and clears them', async () => {
    expect(
      await cli.ok(
        'subscriber',
        'policy',
        'set',
        'alice@example.com',
        '--b2bua',
        'always',
        '--max-calls',
        '2',
      ),
    ).toBe('subscriber alice@example.com: b2bua always, max-calls 2\n');
    expect(
      await cli.ok(
        'subscriber',
        'policy',
        'set',
        'alice@example.com',
        '--allow',
        'PCMA,PCMU',
        '--ptime',
        '20',
      ),
    ).toBe('subscriber alice@example.com: b2bua always, max-calls 2, allow PCMA,PCMU, ptime 20\n');
    expect(await cli.ok('subscriber', 'policy', 'set', 'alice@example.com', '--max-calls', 'inherit')).toBe(
      'subscriber alice@example.com: b2bua always, allow PCMA,PCMU, ptime 20\n',
    );
    const json = JSON.parse(await cli.ok('subscriber', 'policy', 'show', 'alice@example.com', '--json'));
    expect(json).toMatchObject({
      scope: 'subscriber',
      policy: { b2bua: 'always', codecs: { allow: ['PCMA', 'PCMU'], ptime: 20 } },
    });
    expect(await cli.ok('domain', 'policy', 'set', 'example.com', '--b2bua', 'nat')).toBe(
      'domain example.com: b2bua nat\n',
    );
    expect(
      await cli.ok('trunk', 'policy', 'set', 'carrier', '--strip', 'G729', '--max-call-rate', '10'),
    ).toBe('trunk carrier: max-call-rate 10, strip G729\n');
    expect(await cli.ok('trunk', 'policy', 'set', 'carrier', '--srtp', 'sdes')).toBe(
      'trunk carrier: max-call-rate 10, strip G729, srtp sdes\n',
    );
    expect(await cli.ok('trunk', 'policy', 'set', 'carrier', '--srtp', 'inherit')).toBe(
      'trunk carrier: max-call-rate 10, strip G729\n',
    );
    expect(await cli.ok('trunk', 'policy', 'clear', 'carrier')).toContain('removed');
    expect(await cli.ok('trunk', 'policy', 'show', 'carrier')).toBe('trunk carrier: everything inherited\n');
  });

  it('refuses bad settings naming them, and someone who does not exist (exit 2)', async () => {
    const bad = await cli.run('subscriber', 'policy', 'set', 'alice@example.com', '--b2bua', 'sometimes');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('b2bua');
    const event = await cli.run('trunk', 'policy', 'set', 'carrier', '--strip', 'telephone-event');
    expect(event.code).toBe(2);
    expect(event.err).toContain('codecs.strip: telephone-event is always kept');
    const ghost = await cli.run('trunk', 'policy', 'set', 'ghost', '--max-calls', '1');
    expect(ghost.code).toBe(2);
    expect(ghost.err).toContain('trunk ghost does not exist');
    const nothing = await cli.run('domain', 'policy', 'set', 'example.com');
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain('nothing to set');
    const srtp = await cli.run('domain', 'policy', 'set', 'example.com', '--srtp', 'dtls');
    expect(srtp.code).toBe(2);
    expect(srtp.err).toContain(
      'srtp: expected sdes (RTP/SAVP with SDES keys), off (plain RTP/AVP) or inherit',
    );
    const notNumber = await cli.run('domain', 'policy', 'set', 'example.com', '--max-calls', 'lots');
    expect(notNumber.err).toContain('--max-calls: expected a whole number');
  });

  it('has --help', async () => {
    const help = await cli.run('subscriber', 'policy', 'set', '--help');
    expect(help.out).toContain('--b2bua <choice>');
    expect(help.out).toContain('--ptime <ms>');
    expect(help.out).toContain('--srtp <choice>');
  });
});
