import type { Writable } from 'node:stream';
import type { Environment } from '../config/index.js';

export type TerminationSignal = 'SIGINT' | 'SIGTERM';

/** Everything the CLI touches outside itself, so tests run it in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard output as a stream, for output too large to hold (`cdr export`): it says when to wait. */
  stdoutStream?: Writable;
  /** Ends the command with this exit code (the real one ends the process). */
  exit(code: number): void;
  onSignal(signal: TerminationSignal, handler: () => void): void;
  env: Environment;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stdoutStream: process.stdout,
    stderr: (text) => process.stderr.write(text),
    exit: (code) => {
      process.exitCode = code;
      // Exit once what was written has been flushed; a stopped node may leave timers behind.
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    },
    onSignal: (signal, handler) => process.on(signal, handler),
    env: process.env,
  };
}
