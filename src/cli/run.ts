import { CommanderError } from 'commander';
import { type CliDeps, realDeps } from './deps.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CliIo } from './io.js';
import { buildProgram } from './program.js';

/**
 * Runs `switchboard <argv>`. Every outcome ends with `io.exit(code)`, except a `start` that
 * succeeded: its node keeps running until a signal stops it.
 */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = realDeps): Promise<void> {
  const program = buildProgram(io, deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed the message; --help and --version come here too, with exit code 0.
      io.exit(e.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
      return;
    }
    io.stderr(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    io.exit(EXIT_FAILURE);
  }
}
