import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerCdrExport } from './cdr-export.js';
import { addCdrFilterOptions, cdrFilterOf } from './cdr-filter.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

/** `switchboard cdr …`: call detail records of the B2BUA's calls, from the store. */
export function registerCdr(program: Command, io: CliIo): void {
  const cdr = program.command('cdr').description('call detail records of the calls the B2BUA held');

  const list = addCdrFilterOptions(
    cdr
      .command('list')
      .description('list CDRs, newest first, a page at a time (--after the printed cursor for the next)'),
  )
    .option('--limit <n>', 'CDRs per page (1-1000, default 100)')
    .option('--after <cursor>', 'the next page after this cursor');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const page = await store.cdrs.listCdrs(cdrFilterOf(flags));
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

  registerCdrExport(cdr, io);
}
