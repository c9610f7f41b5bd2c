import { pino } from 'pino';

import type { CliDeps, CliIo, HeapRuntime, StartedNode, TerminationSignal } from '../../../src/cli/index.js';
import type { SwitchboardConfig } from '../../../src/config/index.js';

/** An in-memory CliIo: captured output, the exit code, and signal handlers to fire by hand. */
export class FakeIo implements CliIo {
  out = '';
  err = '';
  code: number | undefined;
  readonly handlers = new Map<TerminationSignal, Array<() => void>>();
  private exited!: (code: number) => void;
  /** Resolves on the first exit() call. */
  readonly exitedWith = new Promise<number>((resolve) => {
    this.exited = resolve;
  });

  constructor(readonly env: Record<string, string | undefined> = {}) {}

  stdout(text: string): void {
    this.out += text;
  }

  stderr(text: string): void {
    this.err += text;
  }

  exit(code: number): void {
    this.code ??= code;
    this.exited(code);
  }

  onSignal(signal: TerminationSignal, handler: () => void): void {
    this.handlers.set(signal, [...(this.handlers.get(signal) ?? []), handler]);
  }

  signal(signal: TerminationSignal): void {
    for (const handler of this.handlers.get(signal) ?? []) handler();
  }
}

/** Deps whose node only records how it was started and stopped. */
export function fakeDeps(
  options: {
    failWith?: Error;
    stop?: () => Promise<void>;
    startup?: Promise<void>;
    heapRuntime?: HeapRuntime;
  } = {},
) {
  const started: SwitchboardConfig[] = [];
  const heapGrowth: number[] = [];
  const relaunches: number[] = [];
  let stops = 0;
  const deps: CliDeps = {
    createLogger: () => pino({ level: 'silent' }),
    heap: {
      runtime: () => options.heapRuntime ?? {},
      applyGrowth: (percent) => void heapGrowth.push(percent),
      relaunch: async (limit) => {
        relaunches.push(limit);
        return 0;
      },
      watchLauncher: () => {},
    },
    async startNode(config): Promise<StartedNode> {
      await options.startup;
      if (options.failWith) throw options.failWith;
      started.push(config);
      return {
        listening: config.sip.transports.map((protocol) => ({
          protocol,
          address: config.sip.listen[0]!,
          port: config.sip.port,
        })),
        stop: async () => {
          stops++;
          await options.stop?.();
        },
      };
    },
  };
  return { deps, started, stops: () => stops, heapGrowth, relaunches };
}
