/**
 * Where a benchmark allocates: V8's sampling heap profiler, keeping the samples of objects
 * already collected (young and old), so the totals are bytes allocated, not bytes live.
 * Preload it: node --expose-gc --import ./bench/allocation-sampler.mjs SCRIPT ARGS...
 * The in-process benches call gc() just before and just after their measured run: the samples
 * are those between the first two gc() calls (the whole run if the script calls it less).
 * It prints the bytes allocated (an estimate: one sample per ALLOC_SAMPLE bytes, default 512)
 * and the TOP (default 30) allocating functions by self bytes with file and line.
 * ALLOC_PER=N divides them by N (the operations measured, e.g. the bench's REGISTRATIONS).
 */
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const post = (method, params) => {
  let out;
  session.post(method, params, (err, result) => {
    if (err) throw err;
    out = result;
  });
  return out;
};
const start = () =>
  post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.ALLOC_SAMPLE ?? 512),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
post('HeapProfiler.enable');
start();

let profile;
const gc = globalThis.gc;
let gcCalls = 0;
if (gc) {
  globalThis.gc = (...args) => {
    gcCalls++;
    if (gcCalls === 1) {
      post('HeapProfiler.stopSampling');
      start();
    } else if (gcCalls === 2) profile = post('HeapProfiler.stopSampling').profile;
    return gc(...args);
  };
}

process.on('exit', () => {
  profile ??= post('HeapProfiler.stopSampling').profile;
  const bySite = new Map();
  let total = 0;
  const walk = (node) => {
    const size = node.selfSize;
    if (size > 0) {
      total += size;
      const f = node.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
      bySite.set(key, (bySite.get(key) ?? 0) + size);
    }
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const per = Number(process.env.ALLOC_PER ?? 0);
  const top = Number(process.env.TOP ?? 30);
  const lines = [
    `allocated ${(total / 2 ** 20).toFixed(1)} MiB` +
      (per ? `, ${Math.round(total / per)} B per operation` : ''),
  ];
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(
      `${((100 * bytes) / total).toFixed(1).padStart(5)}% ${(per ? Math.round(bytes / per) : bytes).toString().padStart(9)}  ${site}`,
    );
  process.stderr.write(`${lines.join('\n')}\n`);
});
