import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { Child } from './child.js';
import { allocatePorts } from './ports.js';
import { repoRoot, switchboardEntry } from './repo.js';

const MiB = 2 ** 20;

/** The pids of the processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('switchboard start --heap-limit (the real process)', () => {
  const dirs: string[] = [];
  const children: Child[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) await c.stop(2_000);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** The node under a launcher; `session` runs it as a terminal would (its own process group). */
  async function start(session = false): Promise<{ node: Child; apiPort: number }> {
    const [sipPort, apiPort] = [await allocatePorts(1), await allocatePorts(1)];
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-heap-'));
    dirs.push(dataDir);
    const args = [
      switchboardEntry,
      'start',
      ...['--heap-limit', '200', '--sip-port', String(sipPort), '--sip-listen', '127.0.0.1'],
      ...['--api-port', String(apiPort), '--data-dir', dataDir, '--log-level', 'warn'],
    ];
    const node = session
      ? new Child('switchboard', 'setsid', [process.execPath, ...args], { cwd: repoRoot })
      : new Child('switchboard', process.execPath, args, { cwd: repoRoot });
    children.push(node);
    await node.waitForLine((line) => line.includes('API on'), 15_000);
    return { node, apiPort };
  }

  it('runs the node in a child with that V8 heap limit, shown in /metrics, and stops it on SIGTERM', async () => {
    const { node, apiPort } = await start();
    const [worker] = childrenOf(node.pid!);
    expect(worker, node.report()).toBeDefined();
    const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    const limit = Number(/^switchboard_v8_heap_size_limit_bytes (\d+)/m.exec(text)?.[1]);
    // The old generation's 200 MiB plus the young generation's semi-spaces.
    expect(limit).toBeGreaterThanOrEqual(200 * MiB);
    expect(limit).toBeLessThan(300 * MiB);
    expect(text).toMatch(/^switchboard_v8_heap_growing_percent 20$/m);
    expect(text).toMatch(/^switchboard_sip_transactions\{side="server",kind="non_invite"\} 0$/m);
    const exit = await node.stop(5_000);
    expect(exit).toMatchObject({ code: 0, killed: false });
    await until(() => !alive(worker!), 5_000, 'the worker process to exit', 50);
  });

  it('Ctrl-C in a terminal (SIGINT to the process group) stops the node cleanly, exit 0', async () => {
    const { node } = await start(true);
    const [worker] = childrenOf(node.pid!);
    expect(worker, node.report()).toBeDefined();
    process.kill(-node.pid!, 'SIGINT');
    expect(await node.exited, node.report()).toEqual({ code: 0, signal: null });
    expect(node.stderrTail).not.toContain('again while stopping');
    await until(() => !alive(worker!), 5_000, 'the worker process to exit', 50);
  });

  it('the child stops by itself when the launcher is killed with SIGKILL', async () => {
    const { node } = await start();
    const [worker] = childrenOf(node.pid!);
    expect(worker, node.report()).toBeDefined();
    node.process.kill('SIGKILL');
    await node.exited;
    await until(() => !alive(worker!), 5_000, 'the worker process to exit', 50);
  });
});
