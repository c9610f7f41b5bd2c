import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { MemoryConfig } from '../config/index.js';

/** Set in the relaunched node's environment: the limit it was given, so it does not relaunch again. */
export const HEAP_LIMIT_ENV = 'SWITCHBOARD_HEAP_LIMIT_APPLIED';

/** What the process runs with now, and what its container allows. */
export interface HeapRuntime {
  /** MiB; from `--max-old-space-size` given to this process (by us or by the operator), if any. */
  explicitLimit?: number;
  /** Bytes the cgroup lets this process use; undefined without a limit. */
  cgroupLimit?: number;
}

/** The heap limit the node should run with (MiB), or undefined for V8's own. */
export function wantedHeapLimit(memory: MemoryConfig, runtime: HeapRuntime): number | undefined {
  if (memory.heapLimit !== undefined) return memory.heapLimit;
  // In a container, leave a quarter for what is not V8's heap (code, buffers, SQLite, the stack).
  if (runtime.cgroupLimit !== undefined)
    return Math.max(64, Math.floor((runtime.cgroupLimit * 0.75) / 2 ** 20));
  return undefined;
}

/** Whether the process must be started again to get `wanted`. An operator's own flag wins. */
export function needsRelaunch(
  wanted: number | undefined,
  runtime: HeapRuntime,
  env: NodeJS.ProcessEnv,
): boolean {
  if (wanted === undefined || env[HEAP_LIMIT_ENV] !== undefined) return false;
  return runtime.explicitLimit === undefined;
}

/** This process's heap settings as node and the kernel report them. */
export function heapRuntime(): HeapRuntime {
  const runtime: HeapRuntime = {};
  const flag = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].find((a) =>
    /^--max[-_]old[-_]space[-_]size=\d+$/.test(a),
  );
  if (flag) runtime.explicitLimit = Number(flag.slice(flag.indexOf('=') + 1));
  // process.constrainedMemory() (Node 19.6+) reads the cgroup v1 or v2 limit; "no limit" comes
  // back as 0 or as a number beyond the machine's memory.
  const constrained = process.constrainedMemory?.();
  if (constrained !== undefined && constrained > 0 && constrained < totalmem())
    runtime.cgroupLimit = constrained;
  return runtime;
}

/**
 * V8's heap growing factor, read at each full collection, so it can be set on a running isolate
 * (unlike the heap limit): the heap may grow `percent` past what survived the last one.
 */
export function applyHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Run this same command again in a child node with `--max-old-space-size=limitMiB` (V8 fixes the
 * limit when the isolate is created), pass it SIGINT/SIGTERM, and resolve with its exit code. The
 * child watches the IPC channel and stops when this process dies, even by SIGKILL.
 */
export function relaunchWithHeapLimit(limitMiB: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${limitMiB}`, process.argv[1]!, ...process.argv.slice(2)],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [HEAP_LIMIT_ENV]: String(limitMiB) },
      // Its own process group: Ctrl-C in a terminal signals the launcher's group only, and the
      // launcher passes it on once (twice would make the node exit at once instead of stopping).
      detached: true,
    },
  );
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 1)));
  });
}

/** In a relaunched node: call `onGone` when the process that launched it is gone. */
export function watchLauncher(onGone: () => void): void {
  if (!process.channel || process.env[HEAP_LIMIT_ENV] === undefined) return;
  process.channel.unref(); // the channel alone must not keep the node running
  process.once('disconnect', onGone);
}
