import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';

async function run(argv: string[]): Promise<FakeIo> {
  const io = new FakeIo();
  await runCli(argv, io, fakeDeps().deps);
  return io;
}

describe('switchboard --help and --version', () => {
  it('--help exits 0 and lists the commands', async () => {
    const io = await run(['--help']);
    expect(io.code).toBe(0);
    expect(io.out).toContain('Usage: switchboard');
    expect(io.out).toMatch(/^\s+start\b/m);
    expect(io.out).toMatch(/^\s+config\b/m);
  });

  it.each([['start'], ['config'], ['config', 'show'], ['config', 'check']])(
    '%s --help exits 0',
    async (...command) => {
      const io = await run([...command, '--help']);
      expect(io.code).toBe(0);
      expect(io.out).toContain(`Usage: switchboard ${command.join(' ')}`);
    },
  );

  it('start --help lists every configuration flag with its environment variable and default', async () => {
    const io = await run(['start', '--help']);
    // Commander wraps long descriptions: compare with whitespace collapsed.
    const help = io.out.replace(/\s+/g, ' ');
    for (const text of [
      '--config <file>',
      '--sip-port <port>',
      '[env SWITCHBOARD_SIP_PORT; default 5060]',
      '--domain <domain>',
      '--default-route <uri>',
      '[env SWITCHBOARD_SIP_LISTEN; default 0.0.0.0]',
    ]) {
      expect(help).toContain(text);
    }
  });

  it('config --help lists show and check', async () => {
    const io = await run(['config', '--help']);
    expect(io.out).toMatch(/^\s+show\b/m);
    expect(io.out).toMatch(/^\s+check\b/m);
  });

  it('--version prints the package version and exits 0', async () => {
    const io = await run(['--version']);
    expect(io.code).toBe(0);
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('no command: usage on stderr, exit 2', async () => {
    const io = await run([]);
    expect(io.code).toBe(2);
    expect(io.err).toContain('Usage: switchboard');
  });
});

describe('bad arguments', () => {
  it('an unknown option exits 2, names it and suggests the close one', async () => {
    const io = await run(['start', '--sip-prot', '5070']);
    expect(io.code).toBe(2);
    expect(io.err).toContain("error: unknown option '--sip-prot'");
    expect(io.err).toContain('--sip-port');
  });

  it('an unknown command exits 2', async () => {
    const io = await run(['strat']);
    expect(io.code).toBe(2);
    expect(io.err).toContain("unknown command 'strat'");
  });

  it('a flag without its value exits 2', async () => {
    const io = await run(['start', '--sip-port']);
    expect(io.code).toBe(2);
    expect(io.err).toContain("option '--sip-port <port>' argument missing");
  });
});
