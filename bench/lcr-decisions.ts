/**
 * Least-cost routing decisions per second, and the memory of the routing tables, with 100,000
 * prefixes and 1,000 gateways (100 trunks of 10, the five dispatch algorithms): routes are
 * written to an in-memory SQLite store (importRoutes), loaded as the node loads them
 * (loadRouting + buildTables), and then numbers are routed as the lcr stage does it — longest
 * prefix match in the time band of the moment, the trunk's gateways ordered by its algorithm, the
 * first branch built (Request-URI with the trunk's manipulation) — and as LcrTable.match alone.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node --expose-gc .bench-build/bench/lcr-decisions.js [--routes=N] [--seconds=S] [--json]
 */
import { readFileSync } from 'node:fs';
import { BranchOutcomes, TrunkDialer } from '../src/routing/index.js';
import type { SipRequest } from '../src/sip/message/index.js';
import { parseMessage } from '../src/sip/parser/index.js';
import { type NewRoute, SqliteProvisioningStore } from '../src/store/index.js';
import { ALWAYS_UP, buildTables, Dispatcher, zonedClock } from '../src/trunks/index.js';
import { exposedGc, heapAfterGc } from './gc.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string, fallback: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const routeCount = option('routes', 100_000);
const trunkCount = option('trunks', 100);
const gatewaysPerTrunk = option('gateways-per-trunk', 10);
const seconds = option('seconds', 2);
const gc = exposedGc();
const heap = () => heapAfterGc(gc);

/** Proportional set size of this process (kB → bytes), as the operator's tools count memory. */
function pss(): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** A deterministic generator, so every run routes the same numbers. */
let seed = 42;
function random(): number {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
}
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

const ALGORITHMS = ['priority', 'round-robin', 'weighted', 'hash-call-id', 'fewest-calls'] as const;
const BANDS = [['mon-fri 08:00-18:00'], ['mon-fri 18:00-08:00', 'sat,sun 00:00-24:00']];

async function main(): Promise<void> {
  const store = await SqliteProvisioningStore.open(':memory:');
  for (let t = 0; t < trunkCount; t++) {
    await store.trunks.addTrunk({
      name: `carrier-${t}`,
      dispatch: ALGORITHMS[t % ALGORITHMS.length]!,
      prefix: t % 2 ? '00' : '',
    });
    for (let g = 0; g < gatewaysPerTrunk; g++) {
      await store.trunks.addGateway({
        id: `gw-${t}-${g}`,
        trunk: `carrier-${t}`,
        uri: `sip:10.${t}.${g}.1:5060`,
        priority: g,
        weight: 1 + (g % 3),
      });
    }
  }
  // A wholesale rate deck: breakouts of 2-8 digits (country codes down to number blocks), each
  // offered by 1-4 carriers, a fifth of the routes only in time bands; plus a catch-all route.
  const routes: NewRoute[] = [{ prefix: '', trunk: 'carrier-0', priority: 9 }];
  const prefixes = new Set<string>();
  while (routes.length < routeCount) {
    const prefix = `${1 + Math.floor(random() * 9)}${digits(1 + Math.floor(random() * 7))}`;
    if (prefixes.has(prefix)) continue;
    prefixes.add(prefix);
    const first = Math.floor(random() * trunkCount);
    const carriers = 1 + Math.floor(random() * 4);
    for (let k = 0; k < carriers && routes.length < routeCount; k++) {
      const route: NewRoute = {
        prefix,
        trunk: `carrier-${(first + k * 7) % trunkCount}`,
        priority: Math.floor(random() * 3),
        price: Math.round(random() * 1000) / 10000,
      };
      if (random() < 0.2) route.timeBands = BANDS[k % 2]!;
      routes.push(route);
    }
  }
  let t0 = process.hrtime.bigint();
  await store.trunks.importRoutes(routes);
  const importMs = Number(process.hrtime.bigint() - t0) / 1e6;
  routes.length = 0;

  const heapBefore = heap();
  const pssBefore = pss();
  const rssBefore = process.memoryUsage().rss;
  t0 = process.hrtime.bigint();
  const snapshot = await store.trunks.loadRouting();
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  t0 = process.hrtime.bigint();
  const view = buildTables(snapshot);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  snapshot.routes.length = 0;
  const tablesHeap = heap() - heapBefore;
  const tablesPss = pss() - pssBefore;
  const tablesRss = process.memoryUsage().rss - rssBefore;

  // Numbers to route: 100,000 numbers of 13 digits under the deck's prefixes.
  const prefixList = [...prefixes];
  const numbers = Array.from({ length: 100_000 }, () =>
    (prefixList[Math.floor(random() * prefixList.length)]! + digits(12)).slice(0, 13),
  );
  const callIds = numbers.map((_, i) => `${i}-bench@192.0.2.1`);
  const request = parseMessage(
    Buffer.from(
      'INVITE sip:+442079460000@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:+442079460000@example.com>\r\nCall-ID: bench\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    ),
  ) as SipRequest;
  const tables = { current: view };
  // Wednesday 12:00 UTC: the daytime bands apply.
  const clock = zonedClock('UTC', () => Date.UTC(2025, 0, 1, 12, 0));
  const dialer = new TrunkDialer(tables, new Dispatcher(ALWAYS_UP), clock, new BranchOutcomes(), {
    noReplyTimeout: 3000,
    failoverCodes: ['408', '5xx'],
  });

  const run = (decide: (i: number) => number) => {
    const rates: number[] = [];
    let sink = 0;
    for (let s = 0; s < 5; s++) {
      let n = 0;
      const start = process.hrtime.bigint();
      const end = start + BigInt(Math.round((seconds / 5) * 1e9));
      let now = start;
      while (now < end) {
        for (let k = 0; k < 1000; k++, n++) sink += decide(n % numbers.length);
        now = process.hrtime.bigint();
      }
      rates.push(n / (Number(now - start) / 1e9));
    }
    rates.sort((a, b) => a - b);
    return { median: rates[2]!, best: rates[4]!, sink };
  };
  const moment = clock.now();
  const matchOnly = run((i) => view.lcr.match(numbers[i]!, moment).length);
  let routed = 0;
  let unrouted = 0;
  const decision = run((i) => {
    const call = dialer.plan(numbers[i]!, callIds[i]!);
    if (call === undefined) {
      unrouted++;
      return 0;
    }
    const target = dialer.next(call, request);
    dialer.release(call.attempt);
    routed++;
    return target === undefined ? 0 : 1;
  });

  const result = {
    routes: view.lcr.size,
    prefixes: prefixes.size,
    trunks: view.trunks.size,
    gateways: [...view.gateways.values()].reduce((n, list) => n + list.length, 0),
    importMs: Math.round(importMs),
    loadMs: Math.round(loadMs),
    buildMs: Math.round(buildMs),
    tablesHeapBytes: tablesHeap,
    tablesHeapBytesPerRoute: Math.round(tablesHeap / view.lcr.size),
    tablesPssBytes: tablesPss,
    tablesRssBytes: tablesRss,
    matchPerSecond: { median: Math.round(matchOnly.median), best: Math.round(matchOnly.best) },
    decisionsPerSecond: { median: Math.round(decision.median), best: Math.round(decision.best) },
    unroutedShare: Math.round((unrouted / (routed + unrouted)) * 1000) / 1000,
  };
  await store.close();
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    console.log(
      `${result.routes} routes (${result.prefixes} prefixes), ${result.trunks} trunks, ${result.gateways} gateways`,
    );
    console.log(
      `import ${result.importMs} ms, loadRouting ${result.loadMs} ms, buildTables ${result.buildMs} ms`,
    );
    console.log(
      `tables: heap ${mb(tablesHeap)} (${result.tablesHeapBytesPerRoute} B/route), PSS +${mb(tablesPss)}, RSS +${mb(tablesRss)}`,
    );
    console.log(
      `LcrTable.match: ${result.matchPerSecond.median}/s median (best ${result.matchPerSecond.best})`,
    );
    console.log(
      `decision (match + dispatch + branch): ${result.decisionsPerSecond.median}/s median (best ${result.decisionsPerSecond.best})`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
