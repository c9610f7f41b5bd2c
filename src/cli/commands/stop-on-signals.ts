import type { Logger } from 'pino';
import type { StartedNode } from '../deps.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import type { CliIo, TerminationSignal } from '../io.js';

/**
 * SIGINT/SIGTERM stop the node gracefully and exit 0; a second signal exits 1 at once.
 * It listens from before the node starts, so a signal during startup (a supervisor giving up,
 * a test tearing down early) stops the node as soon as it is up instead of killing it half-bound.
 */
export function stopOnSignals(
  io: CliIo,
  logger: Logger,
): { started(node: StartedNode): void; stopNow(reason: string): void } {
  let node: StartedNode | undefined;
  let requested: TerminationSignal | string | undefined;
  let stopping = false;

  const stop = (running: StartedNode, signal: TerminationSignal | string) => {
    stopping = true;
    logger.info({ signal }, 'stopping');
    running.stop().then(
      () => io.exit(EXIT_OK),
      (e: unknown) => {
        logger.error({ err: e }, 'stop failed');
        io.exit(EXIT_FAILURE);
      },
    );
  };

  const onSignal = (signal: TerminationSignal | string) => {
    if (stopping || requested) {
      io.stderr(`${signal} again while stopping: exiting now\n`);
      io.exit(EXIT_FAILURE);
      return;
    }
    requested = signal;
    if (node) stop(node, signal);
    else logger.info({ signal }, 'stop requested while starting');
  };
  io.onSignal('SIGINT', () => onSignal('SIGINT'));
  io.onSignal('SIGTERM', () => onSignal('SIGTERM'));

  return {
    stopNow: onSignal,
    started(running) {
      node = running;
      if (requested) stop(running, requested);
    },
  };
}
