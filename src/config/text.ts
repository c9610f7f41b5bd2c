import type { TextKind } from './keys.js';

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/**
 * Turns text from the environment or a flag into the value the file would hold.
 * Text that does not convert is kept as is, so the validator can quote it in its error.
 */
export function fromText(kind: TextKind, text: string | readonly string[]): unknown {
  const parts = typeof text === 'string' ? [text] : text;
  if (kind === 'list') return parts.flatMap(splitList);
  // A repeated single-value flag: the last one wins, as with most CLIs.
  const last = (parts[parts.length - 1] ?? '').trim();
  if (kind === 'integer') return /^[+-]?\d+$/.test(last) ? Number(last) : last;
  if (kind === 'boolean') {
    const lower = last.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
  }
  return last;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
