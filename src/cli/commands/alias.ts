import type { Command } from 'commander';
import { NotFoundError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { parseAddress } from './address.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

export function registerAlias(program: Command, io: CliIo): void {
  const alias = program
    .command('alias')
    .description('manage aliases: other user names in the same domain that reach a subscriber');

  const add = alias
    .command('add')
    .description('add an alias for a subscriber')
    .argument('<alias>', 'alias@domain, e.g. bob.smith@example.com')
    .argument('<subscriber>', 'user@domain in the same domain');
  addStoreOptions(addJsonOption(add)).action((name: string, owner: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const from = parseAddress(name, 'alias');
      const to = parseAddress(owner);
      if (from.domain !== to.domain)
        throw new UsageError(`an alias lives in its subscriber's domain: ${from.domain} is not ${to.domain}`);
      const added = await store.addAlias({
        alias: from.username,
        domain: to.domain,
        username: to.username,
        kind: 'alias',
      });
      if (flags['json']) printJson(io, added);
      else io.stdout(`added alias ${added.alias}@${added.domain} for ${added.username}@${added.domain}\n`);
    }),
  );

  const list = alias
    .command('list')
    .description('list aliases and their subscribers')
    .option('--domain <domain>', 'only this domain');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const aliases = (await store.listAliases(flags['domain'] as string | undefined)).filter(
        (a) => a.kind === 'alias',
      );
      if (flags['json']) printJson(io, aliases);
      else if (aliases.length === 0) io.stdout('no aliases\n');
      else
        io.stdout(
          formatTable(
            ['ALIAS', 'SUBSCRIBER'],
            aliases.map((a) => [`${a.alias}@${a.domain}`, `${a.username}@${a.domain}`]),
          ),
        );
    }),
  );

  const remove = alias.command('remove').description('remove an alias').argument('<alias>', 'alias@domain');
  addStoreOptions(addJsonOption(remove)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const { username, domain } = parseAddress(name, 'alias');
      const found = (await store.listAliases(domain)).find((a) => a.kind === 'alias' && a.alias === username);
      if (!found || !(await store.removeAlias(username, domain)))
        throw new NotFoundError(`alias ${username}@${domain} does not exist`);
      if (flags['json']) printJson(io, { removed: `${username}@${domain}` });
      else io.stdout(`removed alias ${username}@${domain}\n`);
    }),
  );
}
