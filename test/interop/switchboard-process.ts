import { Child } from './child.js';
import { allocatePorts, waitForBound } from './ports.js';
import { nextHopUri, type ProxyOptions, type ProxyProcess } from './proxy-process.js';
import { repoRoot, switchboardEntry } from './repo.js';

const READY_TIMEOUT_MS = 25_000;

/** The command line of a Switchboard node acting as a record-routing proxy to one next hop. */
export function switchboardArgs(port: number, options: ProxyOptions): string[] {
  return [
    switchboardEntry,
    'start',
    '--sip-port',
    String(port),
    '--sip-listen',
    '127.0.0.1',
    '--default-route',
    nextHopUri(options),
    '--api-port',
    '0',
    '--log-level',
    'warn',
    ...(options.transport === 'tcp' ? ['--sip-transports', 'udp,tcp'] : []),
  ];
}

/**
 * Starts `node dist/cli/main.js start ...` (built beforehand) and waits for its `"listening"` log
 * line (and, for TCP, the listening socket). Stop it with `stop()` and assert exit code 0.
 */
export async function startSwitchboard(options: ProxyOptions): Promise<ProxyProcess> {
  const port = await allocatePorts(1);
  const child = new Child('switchboard', process.execPath, switchboardArgs(port, options), {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test' },
  });
  const proxy: ProxyProcess = {
    name: 'switchboard',
    port,
    child,
    report: () => child.report(),
    stop: () => child.stop(5_000),
  };
  try {
    await child.waitForLine((line) => line.includes('listening'), READY_TIMEOUT_MS);
    if (options.transport === 'tcp') await waitForBound(port, 5_000, () => child.alive, 'tcp');
  } catch (error) {
    await child.stop(2_000);
    throw new Error(`switchboard did not start: ${(error as Error).message}`);
  }
  return proxy;
}
