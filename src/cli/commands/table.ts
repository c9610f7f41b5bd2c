/** A table for people: a header row and left-aligned columns, two spaces apart. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  return all
    .map(
      (row) =>
        `${row
          .map((cell, col) => cell.padEnd(widths[col]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
