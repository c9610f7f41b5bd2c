import type { Command } from 'commander';
import { CDR_DISPOSITIONS, type CdrDisposition, type CdrFilter } from '../../store/index.js';
import { integer } from './trunk-options.js';
import { UsageError } from './with-store.js';

type Flags = Record<string, unknown>;

function time(flags: Flags, name: string, flag: string): Date | undefined {
  const value = flags[name];
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: expected a date and time such as 2026-01-31T08:00:00Z`,
    );
  }
  return date;
}

/** The filter flags `cdr list` and `cdr export` share. */
export function addCdrFilterOptions(command: Command): Command {
  return command
    .option('--from <time>', 'calls set up at or after this time (ISO 8601, e.g. 2026-01-31T08:00:00Z)')
    .option('--to <time>', 'calls set up before this time')
    .option('--caller <uri>', "only this caller's, e.g. sip:alice@example.com")
    .option('--callee <uri>', 'only calls to this Request-URI')
    .option('--trunk <name>', 'only calls out through this trunk')
    .option('--disposition <d>', `only ${CDR_DISPOSITIONS.join('|')}`);
}

/** The CDR filter the flags ask for; a bad value is a UsageError naming its flag. */
export function cdrFilterOf(flags: Flags): CdrFilter {
  const filter: CdrFilter = {};
  const from = time(flags, 'from', '--from');
  if (from) filter.from = from;
  const to = time(flags, 'to', '--to');
  if (to) filter.to = to;
  if (from && to && from.getTime() >= to.getTime()) {
    throw new UsageError(`--from ${from.toISOString()} is not before --to ${to.toISOString()}`);
  }
  for (const key of ['caller', 'callee', 'trunk', 'after'] as const) {
    const value = flags[key];
    if (typeof value === 'string') filter[key] = value;
  }
  const disposition = flags['disposition'];
  if (typeof disposition === 'string') {
    if (!(CDR_DISPOSITIONS as readonly string[]).includes(disposition)) {
      throw new UsageError(
        `--disposition ${JSON.stringify(disposition)}: expected one of ${CDR_DISPOSITIONS.join('|')}`,
      );
    }
    filter.disposition = disposition as CdrDisposition;
  }
  const limit = integer(flags, 'limit', '--limit');
  if (limit !== undefined) {
    if (limit < 1 || limit > 1000) throw new UsageError(`--limit ${limit}: expected 1-1000`);
    filter.limit = limit;
  }
  return filter;
}
