import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection on demand, so what is sampled is what the process keeps, not garbage V8 has
// not collected yet (it grows old space lazily: without this, RSS says more about V8 than us).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Samples the resident set and the live heap (after a full GC) while `work` runs; growth in bytes. */
export async function memoryGrowth<T>(
  work: () => Promise<T>,
  everyMs = 250,
): Promise<{ result: T; rss: number; heap: number }> {
  gc();
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  const sample = () => {
    gc();
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  };
  const sampler = setInterval(sample, everyMs);
  try {
    const result = await work();
    sample();
    return { result, rss: rss - before.rss, heap: heap - before.heapUsed };
  } finally {
    clearInterval(sampler);
  }
}
