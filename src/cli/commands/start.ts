import type { Command } from 'commander';
import { addConfigOptions } from '../config-options.js';
import type { CliDeps, StartedNode } from '../deps.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { needsRelaunch, wantedHeapLimit } from '../heap.js';
import type { CliIo } from '../io.js';
import { loadOrReport } from '../load-or-report.js';
import { startHint } from './start-hint.js';
import { stopOnSignals } from './stop-on-signals.js';

export function registerStart(program: Command, io: CliIo, deps: CliDeps): void {
  const command = program
    .command('start')
    .description('start a Switchboard node (SIP stack and proxy) and run until SIGINT/SIGTERM');
  addConfigOptions(command).action(async (flags: Record<string, unknown>) => {
    const resolved = loadOrReport(flags, io);
    if (!resolved) return;
    const { config } = resolved;
    const runtime = deps.heap.runtime();
    const heapLimit = wantedHeapLimit(config.memory, runtime);
    if (needsRelaunch(heapLimit, runtime, io.env)) {
      // V8 fixes its heap limit when the process starts: run the node in a child that has it.
      io.exit(await deps.heap.relaunch(heapLimit!));
      return;
    }
    deps.heap.applyGrowth(config.memory.heapGrowth);
    const logger = deps.createLogger(config.logLevel);
    const signals = stopOnSignals(io, logger);
    deps.heap.watchLauncher(() => signals.stopNow('launcher gone'));
    let node: StartedNode;
    try {
      node = await deps.startNode(config, logger);
    } catch (e) {
      logger.fatal({ err: e }, 'could not start');
      io.stderr(`error: could not start the node: ${(e as Error).message}${startHint(e, config.sip.port)}\n`);
      io.exit(EXIT_FAILURE);
      return;
    }
    // Human status on stderr whatever the log level: stdout carries only JSON logs,
    // and scripts (and the interop tests) wait for these lines to know the node is up.
    for (const e of node.listening) io.stderr(`listening on ${e.protocol} ${hostPort(e.address, e.port)}\n`);
    if (node.api) io.stderr(`API on http://${hostPort(node.api.host, node.api.port)}\n`);
    logger.info(
      {
        listening: node.listening,
        mode: config.proxy.mode,
        defaultRoute: config.proxy.defaultRoute,
        heap: {
          growthPercent: config.memory.heapGrowth,
          limitMiB: heapLimit ?? runtime.explicitLimit ?? 'v8 default',
        },
      },
      'started',
    );
    signals.started(node);
  });
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
