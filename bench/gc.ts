/**
 * The engine's collector, which `node --expose-gc` puts on the global object. Heap figures taken
 * without a full collection first would count garbage, so a bench that measures the heap stops here
 * (exit 2) when it is missing.
 */
export function exposedGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.error('run with node --expose-gc');
    process.exit(2);
  }
  return gc;
}

/** Heap bytes in use after two full collections (the second frees what the first's finalisers let go). */
export function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
