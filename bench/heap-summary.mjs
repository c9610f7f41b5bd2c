// Where a V8 heap goes: self sizes in a .heapsnapshot summed by kind (objects by constructor,
// strings, arrays, code, closures ...), largest first. Pair it with a node started with
// `--heapsnapshot-signal=SIGUSR2` (bench/registrar-scale.sh does with HEAP_SNAPSHOT=1).
// usage: node bench/heap-summary.mjs FILE.heapsnapshot [TOP=25] [--per N]  (--per: bytes per N units)
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.heapsnapshot'));
if (!file) {
  console.error('usage: node bench/heap-summary.mjs FILE.heapsnapshot [TOP] [--per N]');
  process.exit(2);
}
const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 25);
const perIndex = args.indexOf('--per');
const per = perIndex >= 0 ? Number(args[perIndex + 1]) : 0;

const snapshot = JSON.parse(readFileSync(file, 'utf8'));
const meta = snapshot.snapshot.meta;
const fields = meta.node_fields;
const types = meta.node_types[0];
const stride = fields.length;
const typeAt = fields.indexOf('type');
const nameAt = fields.indexOf('name');
const sizeAt = fields.indexOf('self_size');
const { nodes, strings } = snapshot;

const groups = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += stride) {
  const type = types[nodes[i + typeAt]];
  const size = nodes[i + sizeAt];
  total += size;
  // Objects by constructor; everything else (strings, arrays, code, closures...) by its type.
  const key = type === 'object' ? strings[nodes[i + nameAt]] : `(${type})`;
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += size;
  groups.set(key, g);
}

const rows = [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top);
const mib = (n) => (n / 2 ** 20).toFixed(1);
console.log(`| kind | objects | MiB | share |${per ? ` B per unit (${per}) |` : ''}`);
console.log(`| --- | --- | --- | --- |${per ? ' --- |' : ''}`);
for (const [key, g] of rows) {
  const share = ((100 * g.size) / total).toFixed(1);
  const unit = per ? ` ${Math.round(g.size / per)} |` : '';
  console.log(
    `| ${key.slice(0, 60).replace(/\|/g, '\\|')} | ${g.count} | ${mib(g.size)} | ${share}% |${unit}`,
  );
}
console.log(
  `| total | ${nodes.length / stride} | ${mib(total)} | 100% |${per ? ` ${Math.round(total / per)} |` : ''}`,
);
