// CPU per call of the B2BUA's call-policy look-up for a call between two subscribers of one domain
// (their subscriber and recording policies, the domain's): the store's three queries every time
// (the cache with a TTL of 0) against the per-party cache the node uses (src/store/call-policy-cache.ts).
// usage: npm run build && node bench/call-policy-lookup.mjs [LOOKUPS=20000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlCallPolicies } from '../dist/store/call-policies.js';
import { CachedCallPolicies } from '../dist/store/call-policy-cache.js';
import { SqliteProvisioningStore } from '../dist/store/sqlite-store.js';

const lookups = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'policy-lookup-'));
const store = await SqliteProvisioningStore.open(join(dir, 'store.sqlite'));
await store.addDomain('example.com');
for (const username of ['alice', 'bob'])
  await store.addSubscriber({ username, domain: 'example.com', password: 'bench-secret-1' });
await store.callPolicies.putCallPolicy('subscriber', 'bob@example.com', { b2bua: 'always' });
await store.callPolicies.putCallPolicy('domain', 'example.com', { maxCalls: 100 });
const keys = { subscribers: ['alice@example.com', 'bob@example.com'], domains: ['example.com'], trunks: [] };
// `db` and `flavor` are the store's own (protected in TypeScript): the same queries as the node's.
const uncached = new CachedCallPolicies(new SqlCallPolicies(store.db, store.flavor), { ttlMs: 0 });
const rows = [];
for (const [name, policies] of [
  ['store queries', uncached],
  ['cached', store.callPolicies],
  ['store queries', uncached],
  ['cached', store.callPolicies],
]) {
  for (let i = 0; i < 2000; i++) await policies.callPolicies(keys); // warm-up: V8 compiles the path
  const before = process.cpuUsage();
  for (let i = 0; i < lookups; i++) await policies.callPolicies(keys);
  const used = process.cpuUsage(before);
  rows.push(`| ${name} | ${((used.user + used.system) / lookups).toFixed(1)} |`);
}
console.log(`| look-up (${lookups} calls) | CPU µs per call |\n| --- | --- |\n${rows.join('\n')}`);
await store.close();
rmSync(dir, { recursive: true, force: true });
