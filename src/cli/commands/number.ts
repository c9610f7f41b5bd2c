import type { Command } from 'commander';
import { checkNumber, NotFoundError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { parseAddress } from './address.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

export function registerNumber(program: Command, io: CliIo): void {
  const number = program
    .command('number')
    .description('manage E.164 numbers (DIDs); calls to a number reach its subscriber in any domain');

  const add = number
    .command('add')
    .description('assign a number to a subscriber')
    .argument('<number>', 'E.164 number, e.g. +14155550100 (the + and separators are optional)')
    .argument('<subscriber>', 'user@domain');
  addStoreOptions(addJsonOption(add)).action((e164: string, owner: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const { username, domain } = parseAddress(owner);
      const added = await store.addAlias({ alias: e164, domain, username, kind: 'number' });
      if (flags['json']) printJson(io, added);
      else io.stdout(`assigned ${added.alias} to ${username}@${domain}\n`);
    }),
  );

  const list = number
    .command('list')
    .description('list numbers and their subscribers')
    .option('--domain <domain>', "only numbers of this domain's subscribers");
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const numbers = (await store.listAliases(flags['domain'] as string | undefined)).filter(
        (a) => a.kind === 'number',
      );
      if (flags['json']) printJson(io, numbers);
      else if (numbers.length === 0) io.stdout('no numbers\n');
      else
        io.stdout(
          formatTable(
            ['NUMBER', 'SUBSCRIBER'],
            numbers.map((n) => [n.alias, `${n.username}@${n.domain}`]),
          ),
        );
    }),
  );

  const remove = number
    .command('remove')
    .description('unassign a number')
    .argument('<number>', 'E.164 number');
  addStoreOptions(addJsonOption(remove)).action((e164: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const normalized = checkNumber(e164);
      const owner = await store.findNumber(normalized);
      if (!owner || !(await store.removeAlias(normalized, owner.domain)))
        throw new NotFoundError(`number ${normalized} is not assigned`);
      if (flags['json']) printJson(io, { removed: normalized, from: `${owner.username}@${owner.domain}` });
      else io.stdout(`removed ${normalized} from ${owner.username}@${owner.domain}\n`);
    }),
  );
}
