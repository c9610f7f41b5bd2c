import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Child, ExitInfo } from './child.js';
import { allocatePorts } from './ports.js';
import { switchboardCli } from './registrar-process.js';
import { repoRoot, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';

/** A built Switchboard node (`node dist/cli/main.js start`) with its data dir and an API key. */
export interface TrunkNode {
  port: number;
  apiPort: number;
  dataDir: string;
  child: Child;
  /** `switchboard ARGS --data-dir DIR` (store commands). */
  cli(args: string[]): Promise<string>;
  /** `switchboard ARGS --api-url ... --api-key ...` (commands that ask the running node). */
  cliApi(args: string[]): Promise<string>;
  /** GET an API path with the key; the parsed JSON body. */
  get<T>(path: string): Promise<{ status: number; body: T }>;
  report(): string;
  stop(): Promise<ExitInfo & { killed: boolean }>;
  /** Removes the data dir (after stop). */
  cleanup(): void;
}

/** A fresh data dir holding an API key; provision it through `cli` before the start. */
export async function prepareTrunkNode(): Promise<{
  dataDir: string;
  apiKey: string;
  cli: (a: string[]) => Promise<string>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-trunk-node-'));
  const cli = (args: string[]) => switchboardCli(dataDir, args);
  const made = JSON.parse(await cli(['apikey', 'add', 'interop', '--json'])) as { key: string };
  return { dataDir, apiKey: made.key, cli };
}

/**
 * Starts the node on 127.0.0.1 for `domain` with `env` added (SWITCHBOARD_GATEWAYS_PROBE_INTERVAL...)
 * and waits for its `listening` line; `ports` starts it again on the ports of a run before.
 */
export async function startTrunkNode(
  prepared: { dataDir: string; apiKey: string },
  options: {
    domain: string;
    env?: Record<string, string>;
    /** The SIP and API ports of an earlier run, to start it again as the same node. */
    ports?: { port: number; apiPort: number };
  },
): Promise<TrunkNode> {
  const [port, apiPort] = options.ports
    ? [options.ports.port, options.ports.apiPort]
    : [await allocatePorts(1), await allocatePorts(1)];
  const { dataDir, apiKey } = prepared;
  const child = spawnDataDirNode({
    port,
    dataDir,
    domain: options.domain,
    apiPort,
    logLevel: 'info',
    env: nodeEnv(options.env),
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const node: TrunkNode = {
    port,
    apiPort,
    dataDir,
    child,
    cli: (a) => switchboardCli(dataDir, a),
    cliApi: async (a) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [switchboardEntry, ...a, '--api-url', apiUrl, '--api-key', apiKey],
        { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'test' }, timeout: 30_000 },
      );
      return stdout;
    },
    get: async <T>(path: string) => {
      const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
      return { status: response.status, body: (await response.json()) as T };
    },
    report: () => child.report(),
    stop: () => child.stop(5_000),
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
  await awaitNodeStarted(child, '"API listening"', async () => {
    await child.stop(2_000);
    node.cleanup();
  });
  return node;
}
