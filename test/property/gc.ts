import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection, so heap measurements see only live objects. Uses global.gc when the
 * process runs with --expose-gc; otherwise turns the flag on at run time (V8 then hands the gc
 * function to new contexts). Returns undefined if neither works.
 */
export function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    return typeof fn === 'function' ? (fn as () => void) : undefined;
  } catch {
    return undefined;
  }
}
