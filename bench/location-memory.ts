/**
 * Heap bytes per binding in the in-memory location service: N AoRs with one contact each, written
 * through `update()` as the registrar does, with strings cut out of a message buffer (as a parser
 * yields them) rather than shared literals. Also the cost of refreshing every binding once
 * (the heap keeps the old entries until it is rebuilt) and the time per update and lookup.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node --expose-gc .bench-build/bench/location-memory.js [N] [--json]
 */
import { randomBytes } from 'node:crypto';
import { type Binding, MemoryLocationService } from '../src/location/index.js';
import { exposedGc, heapAfterGc } from './gc.js';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const json = process.argv.includes('--json');
const gc = exposedGc();
const heap = () => heapAfterGc(gc);

/** A fresh (non-interned) copy of `text`, as a parser slicing a datagram would produce. */
function fresh(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

function binding(i: number, now: number, cseq: number): Binding {
  const port = 20000 + (i % 40000);
  return {
    aor: fresh(`sip:user${i}@example.com`),
    contact: fresh(`sip:user${i}@127.0.0.${1 + (i % 250)}:${port};transport=udp`),
    expiresAt: now + 3_600_000,
    q: 1,
    callId: fresh(`${randomBytes(12).toString('hex')}@127.0.0.1`),
    cseq,
    source: { protocol: 'udp', address: fresh(`127.0.0.${1 + (i % 250)}`), port },
    path: [],
    userAgent: fresh('Yealink SIP-T46S 66.86.0.15'),
    updatedAt: now,
  };
}

async function main(): Promise<void> {
  const now = Date.now();
  const location = new MemoryLocationService({ now: () => now, sweepIntervalMs: 0 });
  const base = heap();

  let t0 = process.hrtime.bigint();
  const first: Binding[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const b = binding(i, now, 2);
    first[i] = b;
    await location.update(b.aor, { remove: [], add: [b] });
  }
  const insertNs = Number(process.hrtime.bigint() - t0);
  first.length = 0;
  const afterInsert = heap();
  const live = await location.count();

  // Refresh every binding once (a new object replaces the old; the expiry heap keeps the old one).
  t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const [old] = location.liveBindings(`sip:user${i}@example.com`);
    const b = binding(i, now, 3);
    await location.update(b.aor, { remove: old ? [old] : [], add: [b] });
  }
  const refreshNs = Number(process.hrtime.bigint() - t0);
  const afterRefresh = heap();

  t0 = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < count; i++) found += location.liveBindings(`sip:user${i}@example.com`).length;
  const lookupNs = Number(process.hrtime.bigint() - t0);
  await location.close();

  const result = {
    bindings: live,
    heapBytesPerBinding: Math.round((afterInsert - base) / count),
    heapBytesPerBindingAfterOneRefreshEach: Math.round((afterRefresh - base) / count),
    heapMiB: Number(((afterInsert - base) / 1024 / 1024).toFixed(1)),
    usPerInsert: Number((insertNs / count / 1000).toFixed(2)),
    usPerRefresh: Number((refreshNs / count / 1000).toFixed(2)),
    usPerLookup: Number((lookupNs / count / 1000).toFixed(2)),
    lookupsFound: found,
    node: process.version,
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `location service, ${count.toLocaleString('en')} AoRs with one binding each (${process.version})`,
  );
  console.log(`  live bindings              ${result.bindings}`);
  console.log(`  heap per binding           ${result.heapBytesPerBinding} B (${result.heapMiB} MiB in all)`);
  console.log(`  after one refresh of each  ${result.heapBytesPerBindingAfterOneRefreshEach} B per binding`);
  console.log(`  update (insert)            ${result.usPerInsert} µs`);
  console.log(`  update (refresh)           ${result.usPerRefresh} µs`);
  console.log(`  lookup                     ${result.usPerLookup} µs`);
}

await main();
