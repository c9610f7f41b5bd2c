import { Child } from './child.js';
import { repoRoot, switchboardEntry } from './repo.js';

/**
 * The environment of a node under test: NODE_ENV=test with `extra`, and the default digest
 * algorithms (the tests prove the default configuration unless they say otherwise).
 */
export function nodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', ...extra };
  delete env['SWITCHBOARD_AUTH_ALGORITHMS'];
  return env;
}

export interface DataDirNodeOptions {
  port: number;
  dataDir: string;
  domain: string;
  /** 0 for any free port (the API unused). */
  apiPort: number;
  logLevel: 'warn' | 'info';
  env: NodeJS.ProcessEnv;
}

/** Spawns the built node (`node dist/cli/main.js start`) on 127.0.0.1 for one domain, with its data dir. */
export function spawnDataDirNode(options: DataDirNodeOptions): Child {
  const args = [
    switchboardEntry,
    'start',
    '--sip-port',
    String(options.port),
    '--sip-listen',
    '127.0.0.1',
    '--data-dir',
    options.dataDir,
    '--domain',
    options.domain,
    '--api-port',
    String(options.apiPort),
    '--log-level',
    options.logLevel,
  ];
  return new Child('switchboard', process.execPath, args, { cwd: repoRoot, env: options.env });
}

/**
 * Waits up to 25 s (a loaded 2-core machine has taken 17 s) for a log line containing `ready`; if none comes, runs `cleanUp` (stop the child,
 * remove its data dir) and throws.
 */
export async function awaitNodeStarted(
  child: Child,
  ready: string,
  cleanUp: () => Promise<unknown>,
): Promise<void> {
  try {
    await child.waitForLine((line) => line.includes(ready), 25_000);
  } catch (error) {
    await cleanUp();
    throw new Error(`switchboard did not start: ${(error as Error).message}`);
  }
}
