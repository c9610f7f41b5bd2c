import type { Command } from 'commander';
import { NotFoundError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

export function registerDomain(program: Command, io: CliIo): void {
  const domain = program.command('domain').description('manage the SIP domains this platform serves');

  const add = domain
    .command('add')
    .description('add a domain (its subscribers authenticate with it as the digest realm)')
    .argument('<name>', 'domain name, e.g. example.com');
  addStoreOptions(addJsonOption(add)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const added = await store.addDomain(name);
      if (flags['json']) printJson(io, added);
      else io.stdout(`added domain ${added.name}\n`);
    }),
  );

  const list = domain.command('list').description('list the domains');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const domains = await store.listDomains();
      if (flags['json']) printJson(io, domains);
      else if (domains.length === 0) io.stdout('no domains (add one: switchboard domain add example.com)\n');
      else
        io.stdout(
          formatTable(
            ['DOMAIN', 'CREATED'],
            domains.map((d) => [d.name, d.createdAt.toISOString()]),
          ),
        );
    }),
  );

  const remove = domain
    .command('remove')
    .description('remove a domain; refused while it has subscribers, unless --force')
    .argument('<name>', 'domain name')
    .option('--force', 'also remove its subscribers, their aliases and numbers');
  addStoreOptions(addJsonOption(remove)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const removed = await store.removeDomain(name, { cascade: flags['force'] === true });
      if (!removed) throw new NotFoundError(`domain ${name.toLowerCase()} does not exist`);
      if (flags['json']) printJson(io, { removed: name.toLowerCase() });
      else io.stdout(`removed domain ${name.toLowerCase()}\n`);
    }),
  );
}
