import type { Command } from 'commander';
import { getPath, KEYS, setPath, sourceLabel } from '../../config/index.js';
import { withoutPassword } from '../../store/index.js';
import { addConfigOptions, formatValue } from '../config-options.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadOrReport } from '../load-or-report.js';

/** What `config show` prints for a secret that is set. */
const REDACTED = '(set, not shown)';

export function registerConfig(program: Command, io: CliIo): void {
  const config = program
    .command('config')
    .description('inspect the effective configuration (defaults < file < environment < flags)');

  const show = config
    .command('show')
    .description('print the effective configuration and where each value comes from')
    .option('--json', 'print it as JSON, for scripts');
  addConfigOptions(show).action((flags: Record<string, unknown>) => {
    const resolved = loadOrReport(flags, io);
    if (!resolved) return;
    // A PostgreSQL URL may carry a password, and some keys are credentials: never print them.
    const storeUrl = resolved.config.store?.url;
    if (storeUrl) resolved.config.store = { ...resolved.config.store, url: withoutPassword(storeUrl) };
    for (const spec of KEYS) {
      if (spec.secret && getPath(resolved.config, spec.key) !== undefined) {
        setPath(resolved.config, spec.key, REDACTED);
      }
    }
    if (flags['json']) {
      io.stdout(`${JSON.stringify(resolved.config, null, 2)}\n`);
    } else {
      const rows = KEYS.map((spec) => [
        spec.key,
        formatValue(getPath(resolved.config, spec.key)),
        sourceLabel(resolved.sources.get(spec.key) ?? { kind: 'default' }),
      ]);
      io.stdout(table(rows));
    }
    io.exit(EXIT_OK);
  });

  const check = config
    .command('check')
    .description('validate the configuration; exit 2 and list every problem');
  addConfigOptions(check).action((flags: Record<string, unknown>) => {
    const resolved = loadOrReport(flags, io);
    if (!resolved) return;
    io.stdout(`configuration OK (${resolved.file ? `file ${resolved.file}` : 'no config file'})\n`);
    io.exit(EXIT_OK);
  });
}

/** Left-aligned columns, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, col) => cell.padEnd(widths[col]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
