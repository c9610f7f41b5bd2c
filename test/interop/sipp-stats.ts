/** Totals from SIPp's `-trace_stat` CSV (its last line holds the cumulative counters). */
export interface SippStats {
  successful: number;
  failed: number;
  /** Every column of the last line, by header name, e.g. `FailedMaxUDPRetrans(C)`. */
  columns: Record<string, string>;
}

/**
 * Parses SIPp's stat file: `;`-separated, header on the first line, one line per `-fd` period.
 * Columns are found by name (SuccessfulCall(C), FailedCall(C)), not by position.
 */
export function parseSippStats(csv: string): SippStats {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  const last = lines[lines.length - 1];
  if (header === undefined || last === undefined || lines.length < 2) {
    throw new Error(`SIPp stat file has no data line (${lines.length} lines)`);
  }
  const names = header.split(';');
  const values = last.split(';');
  const columns: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name !== '') columns[name] = values[i] ?? '';
  });
  return {
    successful: counter(columns, 'SuccessfulCall(C)'),
    failed: counter(columns, 'FailedCall(C)'),
    columns,
  };
}

/** A cumulative counter column as a number; throws when the column is missing or not numeric. */
export function counter(columns: Record<string, string>, name: string): number {
  const raw = columns[name];
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(value)) {
    throw new Error(`SIPp stat column ${name} missing or not a number: ${JSON.stringify(raw)}`);
  }
  return value;
}
