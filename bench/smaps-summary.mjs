// Where a process's memory is, by kind of mapping: the sum of Pss in /proc/PID/smaps per kind. PSS
// per thread does not exist (threads share one address space), but the kinds of mapping tell
// V8's heap pages from malloc's arenas, code from data.
// usage: node bench/smaps-summary.mjs PID[,PID...]   (a node's process tree, as bench/lib.sh pids_of)
import { readFileSync } from 'node:fs';

/** glibc reserves each thread arena as a 64 MiB-aligned block of at most 64 MiB (HEAP_MAX_SIZE). */
const ARENA = 64 * 2 ** 20;

function kindOf(start, size, name) {
  if (name === '[heap]') return 'malloc, main arena ([heap])';
  if (name.startsWith('[stack')) return 'main stack';
  if (name.startsWith('/')) return 'files (code, libraries)';
  if (name.startsWith('[')) return `other ${name}`;
  if (start % ARENA === 0 && size <= ARENA) return 'malloc, thread arenas';
  // Unnamed: V8's heap pages (every isolate's), large malloc blocks (mmap), thread stacks.
  return 'anonymous: V8 heaps, mmapped blocks, thread stacks';
}

const pids = (process.argv[2] ?? '').split(',').filter(Boolean);
if (pids.length === 0) {
  console.error('usage: node bench/smaps-summary.mjs PID[,PID...]');
  process.exit(2);
}
const kinds = new Map();
let total = 0;
for (const pid of pids) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    continue; // the process ended meanwhile
  }
  let kind = '';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const start = Number.parseInt(head[1], 16);
      kind = kindOf(start, Number.parseInt(head[2], 16) - start, head[3] ?? '');
      continue;
    }
    if (line.startsWith('Pss:')) {
      const kb = Number(line.split(/\s+/)[1]);
      kinds.set(kind, (kinds.get(kind) ?? 0) + kb);
      total += kb;
    }
  }
}
for (const [kind, kb] of [...kinds].sort((a, b) => b[1] - a[1]))
  if (kb > 0) console.log(`${String(kb).padStart(9)} kB  ${kind}`);
console.log(`${String(total).padStart(9)} kB  PSS in all`);
