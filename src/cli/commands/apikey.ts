import type { Command } from 'commander';
import { NotFoundError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

/** `switchboard apikey …`: the keys the HTTP API accepts. Only a hash of each is stored. */
export function registerApiKey(program: Command, io: CliIo): void {
  const apikey = program.command('apikey').description('manage the API keys of the HTTP API');

  const add = apikey
    .command('add')
    .description('make an API key; the key is printed once and cannot be shown again')
    .argument('<name>', 'what the key is for, e.g. "billing export" (1-100 characters)');
  addStoreOptions(addJsonOption(add)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const made = await store.apiKeys.createApiKey(name);
      if (flags['json']) printJson(io, made);
      else io.stdout(`added API key ${made.id} (${made.name})\n${made.key}\n`);
      // On stderr so that `key=$(switchboard apikey add x)` holds only the lines above.
      io.stderr('warning: the key is shown only now; store it safely (the node keeps only a hash of it)\n');
    }),
  );

  const list = apikey.command('list').description('list API keys (their ids and names; never the keys)');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const keys = await store.apiKeys.listApiKeys();
      if (flags['json']) printJson(io, keys);
      else if (keys.length === 0) io.stdout('no API keys\n');
      else
        io.stdout(
          formatTable(
            ['ID', 'NAME', 'CREATED'],
            keys.map((k) => [k.id, k.name, k.createdAt.toISOString()]),
          ),
        );
    }),
  );

  const remove = apikey
    .command('remove')
    .description('revoke an API key: requests with it are refused from now on')
    .argument('<id>', 'the key id, as `apikey list` shows it');
  addStoreOptions(addJsonOption(remove)).action((id: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      if (!(await store.apiKeys.removeApiKey(id))) throw new NotFoundError(`API key ${id} does not exist`);
      if (flags['json']) printJson(io, { removed: id });
      else io.stdout(`removed API key ${id}\n`);
    }),
  );
}
