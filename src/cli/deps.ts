import type { Logger } from 'pino';
import type { LogLevel, SwitchboardConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import {
  applyHeapGrowth,
  type HeapRuntime,
  heapRuntime,
  relaunchWithHeapLimit,
  watchLauncher,
} from './heap.js';

/** What a started node reports and how it is stopped (the part of `startNode`'s result the CLI uses). */
export interface StartedNode {
  listening: ReadonlyArray<{ protocol: string; address: string; port: number }>;
  /** The HTTP API's address, when the node runs it. */
  api?: { host: string; port: number };
  stop(): Promise<void>;
}

/** The platform pieces commands call; tests swap them for fakes. */
export interface CliDeps {
  startNode(config: SwitchboardConfig, logger: Logger): Promise<StartedNode>;
  createLogger(level: LogLevel): Logger;
  /** The V8 heap of the process `start` runs in. */
  heap: {
    runtime(): HeapRuntime;
    applyGrowth(percent: number): void;
    /** Run the command again with this heap limit (MiB); resolves with the child's exit code. */
    relaunch(limitMiB: number): Promise<number>;
    /** In a relaunched node: `onGone` when the launching process dies. */
    watchLauncher(onGone: () => void): void;
  };
}

export const realDeps: CliDeps = {
  // Loaded on use: `config show`, `--help` and the CLI tests need none of the SIP stack.
  startNode: async (config, logger) => (await import('../node.js')).startNode(config, logger),
  createLogger: (level) => createLogger(level),
  heap: {
    runtime: heapRuntime,
    applyGrowth: applyHeapGrowth,
    relaunch: relaunchWithHeapLimit,
    watchLauncher,
  },
};
