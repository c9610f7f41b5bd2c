// Where a process's memory is, by kind of mapping: the sum of Pss in /proc/PID/smaps per kind. PSS
// per thread does not exist (threads share one address space), but the kinds of mapping tell
// V8's heap pages from malloc's arenas, code from data.
// usage: node bench/smaps-summary.mjs [--line] PID[,PID...]   (a node's process tree, as bench/lib.sh pids_of)
//        --line: one line, MiB per kind (for a sample every few seconds during a run)
import { readFileSync } from 'node:fs';

/** glibc reserves each thread arena as a 64 MiB-aligned block of at most 64 MiB (HEAP_MAX_SIZE). */
const ARENA = 64 * 2 ** 20;
/** V8 (without pointer compression, as node builds it) maps its heap in 256 KiB-aligned pages. */
const V8_PAGE = 256 * 2 ** 10;

function kindOf(start, size, name) {
  if (name === '[heap]') return 'malloc, main arena ([heap])';
  if (name.startsWith('[stack')) return 'main stack';
  if (name.startsWith('/')) return 'files (code, libraries)';
  if (name.startsWith('[')) return `other ${name}`;
  if (start % ARENA === 0 && size <= ARENA) return 'malloc, thread arenas';
  // V8's pages (every isolate's, large objects included) are multiples of 256 KiB at 256 KiB
  // boundaries; malloc's mmapped blocks carry a header, so are not.
  if (start % V8_PAGE === 0 && size % V8_PAGE === 0) return 'anonymous: V8 heap pages';
  // Unnamed otherwise: large malloc blocks (mmap), thread stacks.
  return 'anonymous: mmapped blocks, thread stacks';
}

const line = process.argv[2] === '--line';
const pids = (process.argv[line ? 3 : 2] ?? '').split(',').filter(Boolean);
if (pids.length === 0) {
  console.error('usage: node bench/smaps-summary.mjs [--line] PID[,PID...]');
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
const mib = (kb) => (kb / 1024).toFixed(1);
if (line) {
  const short = (kind) => kind.replace(/ \(.*\)|anonymous: |malloc, /g, '');
  // The same order every line, so a series of lines reads as columns.
  const shown = [...kinds].filter(([, kb]) => kb >= 512).sort(([a], [b]) => a.localeCompare(b));
  console.log(`${shown.map(([kind, kb]) => `${short(kind)} ${mib(kb)}`).join(', ')}; all ${mib(total)} MiB`);
  process.exit(0);
}
for (const [kind, kb] of [...kinds].sort((a, b) => b[1] - a[1]))
  if (kb > 0) console.log(`${String(kb).padStart(9)} kB  ${kind}`);
console.log(`${String(total).padStart(9)} kB  PSS in all`);
