import type { Command } from 'commander';
import { type AddressAlias, NotFoundError, type Subscriber } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { parseAddress } from './address.js';
import { registerCallPolicy } from './call-policy.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { registerSubscriberImport } from './subscriber-import.js';
import { formatTable } from './table.js';
import { printJson, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

const PASSWORD_HELP =
  'SIP password; only its digest HA1 values are stored (note: command lines show in ps and shell history)';

export function registerSubscriber(program: Command, io: CliIo): void {
  const subscriber = program.command('subscriber').description('manage subscribers (SIP accounts)');
  registerCallPolicy(subscriber, io, 'subscriber');

  const add = subscriber
    .command('add')
    .description('add a subscriber to an existing domain')
    .argument('<address>', 'user@domain, e.g. alice@example.com')
    .requiredOption('--password <password>', PASSWORD_HELP)
    .option('--display-name <name>', 'name shown to the people it calls')
    .option('--disabled', 'create it disabled (it cannot register until enabled)');
  addStoreOptions(addJsonOption(add)).action((address: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const added = await store.addSubscriber({
        ...parseAddress(address),
        password: String(flags['password']),
        displayName: flags['displayName'] as string | undefined,
        enabled: flags['disabled'] !== true,
      });
      if (flags['json']) printJson(io, publicView(added, []));
      else
        io.stdout(
          `added subscriber ${added.username}@${added.domain}${added.enabled ? '' : ' (disabled)'}\n`,
        );
    }),
  );

  const list = subscriber
    .command('list')
    .description('list subscribers with their aliases and numbers')
    .option('--domain <domain>', 'only this domain');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const domain = flags['domain'] as string | undefined;
      const [subscribers, aliases] = await Promise.all([
        store.listSubscribers(domain),
        store.listAliases(domain),
      ]);
      const byOwner = new Map<string, AddressAlias[]>();
      for (const alias of aliases) {
        const key = `${alias.username}@${alias.domain}`;
        byOwner.set(key, [...(byOwner.get(key) ?? []), alias]);
      }
      const views = subscribers.map((s) => publicView(s, byOwner.get(`${s.username}@${s.domain}`) ?? []));
      if (flags['json']) printJson(io, views);
      else if (views.length === 0) io.stdout('no subscribers\n');
      else
        io.stdout(
          formatTable(
            ['SUBSCRIBER', 'DISPLAY NAME', 'STATUS', 'ALIASES AND NUMBERS'],
            views.map((v) => [
              v.address,
              v.displayName ?? '',
              v.enabled ? 'enabled' : 'disabled',
              [...v.aliases, ...v.numbers].join(', '),
            ]),
          ),
        );
    }),
  );

  const remove = subscriber
    .command('remove')
    .description('remove a subscriber with its aliases, numbers and registrations')
    .argument('<address>', 'user@domain');
  addStoreOptions(addJsonOption(remove)).action((address: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const { username, domain } = parseAddress(address);
      if (!(await store.removeSubscriber(username, domain))) throw missing(username, domain);
      if (flags['json']) printJson(io, { removed: `${username}@${domain}` });
      else io.stdout(`removed subscriber ${username}@${domain}\n`);
    }),
  );

  const passwd = subscriber
    .command('passwd')
    .description("change a subscriber's password")
    .argument('<address>', 'user@domain')
    .requiredOption('--password <password>', PASSWORD_HELP);
  addStoreOptions(addJsonOption(passwd)).action((address: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const { username, domain } = parseAddress(address);
      if (!(await store.setPassword(username, domain, String(flags['password']))))
        throw missing(username, domain);
      if (flags['json']) printJson(io, { changed: `${username}@${domain}` });
      else io.stdout(`changed the password of ${username}@${domain}\n`);
    }),
  );

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    const command = subscriber
      .command(name)
      .description(
        enabled ? 'let a subscriber register and call again' : 'stop a subscriber registering and calling',
      )
      .argument('<address>', 'user@domain');
    addStoreOptions(addJsonOption(command)).action((address: string, flags: Flags) =>
      withStore(flags, io, async (store) => {
        const { username, domain } = parseAddress(address);
        if (!(await store.setEnabled(username, domain, enabled))) throw missing(username, domain);
        if (flags['json']) printJson(io, { [`${name}d`]: `${username}@${domain}` });
        else io.stdout(`${name}d ${username}@${domain}\n`);
      }),
    );
  }

  registerSubscriberImport(subscriber, io);
}

function missing(username: string, domain: string): NotFoundError {
  return new NotFoundError(`subscriber ${username}@${domain} does not exist`);
}

/** What the CLI shows of a subscriber: never the HA1 values (they are password equivalents). */
function publicView(s: Subscriber, aliases: AddressAlias[]) {
  return {
    address: `${s.username}@${s.domain}`,
    username: s.username,
    domain: s.domain,
    displayName: s.displayName,
    enabled: s.enabled,
    aliases: aliases.filter((a) => a.kind === 'alias').map((a) => `${a.alias}@${a.domain}`),
    numbers: aliases.filter((a) => a.kind === 'number').map((a) => a.alias),
    createdAt: s.createdAt,
  };
}
