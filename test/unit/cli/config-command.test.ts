import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.js';
import { defaultConfig } from '../../../src/config/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';

async function run(argv: string[], env: Record<string, string> = {}): Promise<FakeIo> {
  const io = new FakeIo(env);
  await runCli(argv, io, fakeDeps().deps);
  return io;
}

function writeConfig(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-cli-')), 'sb.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('switchboard config show', () => {
  it('--json prints the effective config for scripts', async () => {
    const io = await run(['config', 'show', '--json', '--sip-port', '5070'], {
      SWITCHBOARD_PROXY_MODE: 'stateless',
    });
    expect(io.code).toBe(0);
    const expected = defaultConfig();
    expected.sip.port = 5070;
    expected.proxy.mode = 'stateless';
    expect(JSON.parse(io.out)).toEqual(expected);
  });

  it('never prints a secret: the nonce secret and the stream token show as set, not their value', async () => {
    const secret = 'x'.repeat(40);
    const env = { SWITCHBOARD_AUTH_NONCE_SECRET: secret, SWITCHBOARD_RECORDING_STREAM_TOKEN: 'tok3n' };
    const json = await run(['config', 'show', '--json'], env);
    expect(JSON.parse(json.out).auth.nonceSecret).toBe('(set, not shown)');
    expect(JSON.parse(json.out).recording.streamToken).toBe('(set, not shown)');
    const text = await run(['config', 'show'], env);
    expect(text.out).toMatch(/auth\.nonceSecret\s+\(set, not shown\)\s+SWITCHBOARD_AUTH_NONCE_SECRET/);
    for (const io of [json, text]) {
      expect(io.out).not.toContain(secret);
      expect(io.out).not.toContain('tok3n');
    }
  });

  it('prints each key with its value and source', async () => {
    const file = writeConfig({ logLevel: 'debug' });
    const io = await run(
      ['config', 'show', '--config', file, '--domain', 'a.example', '--domain', 'b.example'],
      {
        SWITCHBOARD_SIP_PORT: '5070',
      },
    );
    expect(io.code).toBe(0);
    const rows = Object.fromEntries(
      io.out
        .trimEnd()
        .split('\n')
        .map((line) => {
          const [key, value, source] = line.split(/\s{2,}/);
          return [key, [value, source]];
        }),
    );
    expect(rows['logLevel']).toEqual(['debug', file]);
    expect(rows['sip.port']).toEqual(['5070', 'SWITCHBOARD_SIP_PORT']);
    expect(rows['proxy.domains']).toEqual(['a.example,b.example', '--domain']);
    expect(rows['proxy.defaultRoute']).toEqual(['none', 'default']);
  });
});

describe('switchboard config check', () => {
  it('exits 0 for a valid file', async () => {
    const file = writeConfig({ sip: { port: 5070 } });
    const io = await run(['config', 'check', '--config', file]);
    expect(io.code).toBe(0);
    expect(io.out).toBe(`configuration OK (file ${file})\n`);
  });

  it('finds the file through SWITCHBOARD_CONFIG', async () => {
    const file = writeConfig({});
    const io = await run(['config', 'check'], { SWITCHBOARD_CONFIG: file });
    expect(io.out).toBe(`configuration OK (file ${file})\n`);
  });

  it('exits 2 and lists every problem, naming the keys', async () => {
    const file = writeConfig({ sip: { prot: 5070, transports: ['udp', 'sctp'] } });
    const io = await run(['config', 'check', '--config', file]);
    expect(io.code).toBe(2);
    expect(io.out).toBe('');
    expect(io.err.trimEnd().split('\n')).toEqual([
      `sip.prot: unknown key in ${file} (did you mean "sip.port"?)`,
      `sip.transports: expected one of udp|tcp|tls|ws|wss, got "sctp" in ${file} (fix "sip.transports" there, or set SWITCHBOARD_SIP_TRANSPORTS or --sip-transports)`,
    ]);
  });

  it('exits 2 for a missing file', async () => {
    const io = await run(['config', 'check', '--config', '/nonexistent/sb.json']);
    expect(io.code).toBe(2);
    expect(io.err).toMatch(/^config file \/nonexistent\/sb\.json: cannot read it/);
  });
});
