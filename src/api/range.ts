/** What a Range header asks of a representation of `size` bytes. */
export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'unsatisfiable' }
  /** Inclusive byte positions, as in Content-Range. */
  | { kind: 'part'; start: number; end: number };

const DIGITS = /^[0-9]{1,15}$/;

/**
 * RFC 9110 §14.1.2 byte ranges. A single range is honoured; a header we cannot parse, another
 * unit, or several ranges are ignored and the whole file sent, which §14.2 allows ("a server MAY
 * ignore the Range header field"). Ranges wholly past the end are unsatisfiable (§15.5.17), as is
 * every range of an empty file (§14.1.1).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const specs = match[1]!.split(',').map((s) => s.trim());
  if (specs.length !== 1) return { kind: 'whole' };
  const spec = specs[0]!;
  const dash = spec.indexOf('-');
  if (dash < 0) return { kind: 'whole' };
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();

  if (first === '') {
    // Suffix range: the last N bytes (§14.1.2 suffix-range).
    if (!DIGITS.test(last)) return { kind: 'whole' };
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - length), end: size - 1 };
  }
  if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return { kind: 'whole' };
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  // last-pos < first-pos makes the range invalid, hence ignored (§14.1.1).
  if (last !== '' && end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}
