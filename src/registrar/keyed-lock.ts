import type { Awaitable } from '../sip/auth/index.js';

const settled = () => {};

/**
 * Runs tasks one at a time per key: two REGISTERs for the same AoR must not interleave between
 * reading the bindings and committing the change (RFC 3261 §10.3 step 7 is read-modify-write).
 * A task that finds its key free and completes at once (bindings in memory, write-back) runs
 * at once and leaves nothing behind: nothing can interleave with it.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Awaitable<T>): Awaitable<T> {
    const previous = this.tails.get(key);
    const result = previous === undefined ? task() : previous.then(task);
    if (!(result instanceof Promise)) return result;
    // Later tasks for the key wait until this one has settled, whichever way.
    const tail = result.then(settled, settled);
    this.tails.set(key, tail);
    return result.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /** Keys with a task running or queued (leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
