import type { Command } from 'commander';
import type { StoredBinding } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

export function registerRegistrations(program: Command, io: CliIo): void {
  const command = program
    .command('registrations')
    .description(
      'list registered contacts (the stored location bindings; a running node writes them every location.flushInterval ms)',
    )
    .option('--aor <aor>', 'only this address of record, e.g. sip:alice@example.com')
    .option('--all', 'include bindings that have expired but are not yet purged');
  addStoreOptions(addJsonOption(command)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const now = Date.now();
      const bindings = (await store.loadBindings()).filter(
        (b) => (flags['all'] || b.expiresAt.getTime() > now) && (!flags['aor'] || b.aor === flags['aor']),
      );
      if (flags['json']) {
        printJson(
          io,
          bindings.map((b) => ({ ...b, expiresIn: Math.round((b.expiresAt.getTime() - now) / 1000) })),
        );
      } else if (bindings.length === 0) {
        io.stdout('no registrations\n');
      } else {
        io.stdout(
          formatTable(
            ['AOR', 'CONTACT', 'SOURCE', 'EXPIRES IN', 'USER AGENT'],
            bindings.map((b) => [b.aor, b.contact, source(b), expiresIn(b, now), b.userAgent ?? '']),
          ),
        );
      }
    }),
  );
}

function source({ source: s }: StoredBinding): string {
  const host = s.address.includes(':') ? `[${s.address}]` : s.address;
  return `${s.protocol.toLowerCase()}:${host}:${s.port}`;
}

function expiresIn(b: StoredBinding, now: number): string {
  const seconds = Math.round((b.expiresAt.getTime() - now) / 1000);
  return seconds > 0 ? `${seconds}s` : 'expired';
}
