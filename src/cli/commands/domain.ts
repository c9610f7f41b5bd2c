import type { Command } from 'commander';
import type { SwitchboardConfig } from '../../config/index.js';
import { type Domain, NotFoundError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import {
  AUTH_ALGORITHMS_FLAG,
  AUTH_ALGORITHMS_HELP,
  parseAuthAlgorithmsOption,
} from './auth-algorithms-option.js';
import { registerCallPolicy } from './call-policy.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

export function registerDomain(program: Command, io: CliIo): void {
  const domain = program.command('domain').description('manage the SIP domains this platform serves');
  registerCallPolicy(domain, io, 'domain');

  const add = domain
    .command('add')
    .description('add a domain (its subscribers authenticate with it as the digest realm)')
    .argument('<name>', 'domain name, e.g. example.com')
    .option(AUTH_ALGORITHMS_FLAG, AUTH_ALGORITHMS_HELP);
  addStoreOptions(addJsonOption(add)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const option = flags['authAlgorithms'];
      const algorithms = typeof option === 'string' ? parseAuthAlgorithmsOption(option) : null;
      const added = await store.addDomain(name, algorithms ? { authAlgorithms: algorithms } : {});
      if (flags['json']) printJson(io, added);
      else io.stdout(`added domain ${added.name}${algorithms ? ` (digest ${algorithms.join(', ')})` : ''}\n`);
    }),
  );

  const set = domain
    .command('set')
    .description("change a domain's settings")
    .argument('<name>', 'domain name')
    .option(AUTH_ALGORITHMS_FLAG, AUTH_ALGORITHMS_HELP);
  addStoreOptions(addJsonOption(set)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store, config) => {
      const option = flags['authAlgorithms'];
      if (typeof option !== 'string')
        throw new UsageError(
          `nothing to change for ${name}: give --auth-algorithms, e.g. --auth-algorithms SHA-256,MD5`,
        );
      const updated = await store.updateDomain(name, { authAlgorithms: parseAuthAlgorithmsOption(option) });
      if (flags['json']) printJson(io, updated);
      else io.stdout(`domain ${updated.name}: digest ${algorithmsText(updated, config)}\n`);
    }),
  );

  const list = domain.command('list').description('list the domains');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store, config) => {
      const domains = await store.listDomains();
      if (flags['json']) printJson(io, domains);
      else if (domains.length === 0) io.stdout('no domains (add one: switchboard domain add example.com)\n');
      else
        io.stdout(
          formatTable(
            ['DOMAIN', 'DIGEST ALGORITHMS', 'CREATED'],
            domains.map((d) => [d.name, algorithmsText(d, config), d.createdAt.toISOString()]),
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

/** `SHA-256, MD5`, or the node's list marked as the default the domain follows. */
function algorithmsText(domain: Domain, config: SwitchboardConfig): string {
  if (domain.authAlgorithms) return domain.authAlgorithms.join(', ');
  return `${config.auth.algorithms.join(', ')} (default: auth.algorithms)`;
}
