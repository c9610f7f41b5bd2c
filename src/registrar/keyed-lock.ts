/**
 * Runs tasks one at a time per key: two REGISTERs for the same AoR must not interleave between
 * reading the bindings and committing the change (RFC 3261 §10.3 step 7 is read-modify-write).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    if (previous) await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or queued (leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
