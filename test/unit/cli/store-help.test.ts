import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';

const COMMANDS = [
  ['domain'],
  ['domain', 'add'],
  ['domain', 'list'],
  ['domain', 'remove'],
  ['subscriber'],
  ['subscriber', 'add'],
  ['subscriber', 'list'],
  ['subscriber', 'remove'],
  ['subscriber', 'passwd'],
  ['subscriber', 'enable'],
  ['subscriber', 'disable'],
  ['subscriber', 'import'],
  ['number', 'add'],
  ['number', 'list'],
  ['number', 'remove'],
  ['alias', 'add'],
  ['alias', 'list'],
  ['alias', 'remove'],
  ['registrations'],
  ['cdr'],
  ['cdr', 'list'],
];

describe('store commands --help', () => {
  it.each(COMMANDS)('%s %s --help exits 0 with usage', async (...command) => {
    const io = new FakeIo();
    await runCli([...command, '--help'], io, fakeDeps().deps);
    expect(io.code).toBe(0);
    expect(io.out).toContain(`Usage: switchboard ${command.join(' ')}`);
  });

  it('every leaf command takes --data-dir, --store-url and --json', async () => {
    for (const command of COMMANDS.filter((c) => c.length === 2 || c[0] === 'registrations')) {
      const io = new FakeIo();
      await runCli([...command, '--help'], io, fakeDeps().deps);
      for (const flag of ['--data-dir <dir>', '--store-url <url>', '--json', 'SWITCHBOARD_STORE_URL'])
        expect(io.out, `${command.join(' ')}: ${flag}`).toContain(flag);
    }
  });

  it('the top-level help lists the store commands', async () => {
    const io = new FakeIo();
    await runCli(['--help'], io, fakeDeps().deps);
    for (const name of ['domain', 'subscriber', 'number', 'alias', 'registrations'])
      expect(io.out).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });
});
