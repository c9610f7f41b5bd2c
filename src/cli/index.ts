export type { CliDeps, StartedNode } from './deps.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
export type { HeapRuntime } from './heap.js';
export { type CliIo, processIo, type TerminationSignal } from './io.js';
export { buildProgram } from './program.js';
export { runCli } from './run.js';
