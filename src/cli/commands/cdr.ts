import type { Command } from 'commander';
import { CDR_DISPOSITIONS, type CdrDisposition, type CdrFilter } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { integer } from './trunk-options.js';
import { printJson, UsageError, withStore } from './with-store.js';

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

function filterOf(flags: Flags): CdrFilter {
  const filter: CdrFilter = {};
  const from = time(flags, 'from', '--from');
  if (from) filter.from = from;
  const to = time(flags, 'to', '--to');
  if (to) filter.to = to;
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

/** `switchboard cdr …`: call detail records of the B2BUA's calls, from the store. */
export function registerCdr(program: Command, io: CliIo): void {
  const cdr = program.command('cdr').description('call detail records of the calls the B2BUA held');

  const list = cdr
    .command('list')
    .description('list CDRs, newest first, a page at a time (--after the printed cursor for the next)')
    .option('--from <time>', 'calls set up at or after this time (ISO 8601, e.g. 2026-01-31T08:00:00Z)')
    .option('--to <time>', 'calls set up before this time')
    .option('--caller <uri>', "only this caller's, e.g. sip:alice@example.com")
    .option('--callee <uri>', 'only calls to this Request-URI')
    .option('--trunk <name>', 'only calls out through this trunk')
    .option('--disposition <d>', `only ${CDR_DISPOSITIONS.join('|')}`)
    .option('--limit <n>', 'CDRs per page (1-1000, default 100)')
    .option('--after <cursor>', 'the next page after this cursor');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const page = await store.cdrs.listCdrs(filterOf(flags));
      if (flags['json']) {
        printJson(io, page);
        return;
      }
      if (page.cdrs.length === 0) {
        io.stdout('no CDRs (calls the B2BUA holds get one: b2bua.mode)\n');
        return;
      }
      io.stdout(
        formatTable(
          [
            'SETUP',
            'CALLER',
            'CALLEE',
            'TRUNK',
            'DISPOSITION',
            'STATUS',
            'CAUSE',
            'BILLABLE',
            'HANGUP',
            'ID',
          ],
          page.cdrs.map((c) => [
            c.setupAt.toISOString(),
            c.caller,
            c.callee,
            c.trunk ?? '-',
            c.disposition,
            String(c.status),
            String(c.cause),
            `${c.billableSeconds}s`,
            c.hangup,
            c.id,
          ]),
        ),
      );
      if (page.next) io.stdout(`more: switchboard cdr list --after ${page.next}\n`);
    }),
  );
}
