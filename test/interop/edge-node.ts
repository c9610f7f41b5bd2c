import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Child, type ExitInfo } from './child.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard, switchboardCli, type TestSubscriber } from './registrar-process.js';
import { repoRoot, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv } from './switchboard-node.js';

/**
 * The node's address in the edge tests. The node's own addresses are never limited (Kamailio's
 * `src_ip!=myself`), so it listens on 127.0.0.2 and the attackers come from 127.0.0.1 (sipvicious
 * ignores its -b on these machines: the kernel picks 127.0.0.1 for any 127/8 destination) or 127.0.0.4;
 * the peer that must keep being served comes from 127.0.0.3.
 */
export const NODE_ADDRESS = '127.0.0.2';

const run = promisify(execFile);

export interface EdgeNodeOptions {
  subscribers?: TestSubscriber[];
  /** Outbound-proxy mode: every request without a Route goes to this SIP URI. */
  defaultRoute?: string;
  /** Serve example.com (default true); false for a plain outbound proxy. */
  domain?: boolean;
  /** A configuration file's content (what the environment cannot say: empty lists). */
  config?: object;
}

export interface EdgeNode {
  port: number;
  apiUrl: string;
  child: Child;
  /** `switchboard ARGS` against the running node's API (with its key) and data dir. */
  cli(args: string[]): Promise<string>;
  /** GET /metrics, the value of one sample (e.g. `switchboard_edge_bans_total{reason="scanner"}`). */
  metric(sample: string): Promise<number>;
  report(): string;
  stop(): Promise<ExitInfo & { killed: boolean }>;
}

/** A node on 127.0.0.2 with its API, provisioned through the CLI, and an API key for `ban`. */
export async function startEdgeNode(options: EdgeNodeOptions): Promise<EdgeNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-edge-'));
  const [port, apiPort] = [await allocatePorts(1), await allocatePorts(1)];
  let key = '';
  try {
    if (options.domain !== false)
      await provisionSwitchboard(dataDir, { subscribers: options.subscribers ?? [] });
    const added = JSON.parse(await switchboardCli(dataDir, ['apikey', 'add', 'edge-tests', '--json'])) as {
      key: string;
    };
    key = added.key;
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const args = [
    switchboardEntry,
    'start',
    '--sip-port',
    String(port),
    '--sip-listen',
    NODE_ADDRESS,
    '--data-dir',
    dataDir,
    ...(options.domain !== false ? ['--domain', DOMAIN] : []),
    '--api-port',
    String(apiPort),
    '--log-level',
    'info',
    ...(options.defaultRoute ? ['--default-route', options.defaultRoute] : []),
  ];
  if (options.config) {
    const file = join(dataDir, 'config.json');
    writeFileSync(file, JSON.stringify(options.config));
    args.push('--config', file);
  }
  const child = new Child('switchboard', process.execPath, args, {
    cwd: repoRoot,
    env: nodeEnv(),
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const node: EdgeNode = {
    port,
    apiUrl,
    child,
    cli: async (more) => {
      try {
        const { stdout } = await run(process.execPath, [switchboardEntry, ...more], {
          cwd: repoRoot,
          env: { ...process.env, SWITCHBOARD_API_URL: apiUrl, SWITCHBOARD_API_KEY: key },
          timeout: 30_000,
        });
        return stdout;
      } catch (error) {
        const e = error as Error & { stdout?: string; stderr?: string };
        throw new Error(`switchboard ${more.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
      }
    },
    metric: async (sample) => {
      const text = await (await fetch(`${apiUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
      if (line === undefined) throw new Error(`no ${sample} in /metrics`);
      return Number(line.slice(sample.length + 1));
    },
    report: () => child.report(),
    stop: async () => {
      const exit = await child.stop(5_000);
      rmSync(dataDir, { recursive: true, force: true });
      return exit;
    },
  };
  await awaitNodeStarted(child, 'API listening', () => node.stop());
  return node;
}
