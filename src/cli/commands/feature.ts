import type { Command } from 'commander';
import {
  type CallFeatures,
  type DomainFeatures,
  type FeatureChanges,
  InvalidInputError,
  type SqlProvisioningStore,
} from '../../store/index.js';
import type { CliIo } from '../io.js';
import { parseAddress } from './address.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

/** Each setting: its API name, its flag, and how a flag's text becomes its value. */
const SETTINGS: ReadonlyArray<{ field: keyof DomainFeatures; flag: string; domainOnly?: boolean }> = [
  { field: 'forwardAlways', flag: 'forward-always' },
  { field: 'forwardBusy', flag: 'forward-busy' },
  { field: 'forwardNoAnswer', flag: 'forward-no-answer' },
  { field: 'ringTimeout', flag: 'ring-timeout' },
  { field: 'forwardUnreachable', flag: 'forward-unreachable' },
  { field: 'barIncoming', flag: 'bar-incoming' },
  { field: 'barOutgoing', flag: 'bar-outgoing' },
  { field: 'rejectAnonymous', flag: 'reject-anonymous' },
  { field: 'clir', flag: 'clir' },
  { field: 'maxDiversions', flag: 'max-diversions' },
  { field: 'numbering', flag: 'numbering', domainOnly: true },
];

const NUMBERING_FLAGS = [
  ['countryCode', 'country-code'],
  ['nationalPrefix', 'national-prefix'],
  ['internationalPrefix', 'international-prefix'],
  ['areaCode', 'area-code'],
] as const;

const TARGET_HELP = 'user@domain for a subscriber, or a domain name for the defaults of its subscribers';

/** `switchboard feature …`: call forwarding, barring, anonymous rejection, CLIR; domain defaults. */
export function registerFeature(program: Command, io: CliIo): void {
  const feature = program
    .command('feature')
    .description(
      'call features of a subscriber (forwarding, barring, anonymous call rejection, CLIR), or the defaults and numbering plan of a domain',
    );

  const show = feature
    .command('show')
    .description("show a subscriber's own settings, their domain's defaults and what applies")
    .argument('<target>', TARGET_HELP);
  addStoreOptions(addJsonOption(show)).action((target: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const subject = parseTarget(target);
      if (subject.username === undefined) {
        const stored = await store.features.getDomainFeatures(subject.domain);
        if (!(await store.hasDomain(subject.domain)))
          throw new UsageError(`domain ${subject.domain} does not exist`);
        const own = stored?.features ?? {};
        if (flags['json']) printJson(io, { domain: subject.domain, features: own });
        else io.stdout(settingsTable([['domain', own]]));
        return;
      }
      const { username, domain } = subject;
      if (!(await store.getSubscriber(username, domain)))
        throw new UsageError(`subscriber ${username}@${domain} does not exist`);
      const own = (await store.features.getSubscriberFeatures(username, domain))?.features ?? {};
      const defaults = (await store.features.getDomainFeatures(domain))?.features ?? {};
      const effective = await store.features.effectiveFeatures(username, domain);
      if (flags['json'])
        printJson(io, {
          subscriber: `${username}@${domain}`,
          features: own,
          domainDefaults: defaults,
          effective,
        });
      else
        io.stdout(
          settingsTable([
            ['subscriber', own],
            ['domain', defaults],
          ]),
        );
    }),
  );

  const set = feature
    .command('set')
    .description('change some settings (the others stay); a subscriber setting overrides the domain default')
    .argument('<target>', TARGET_HELP)
    .option('--forward-always <uri>', 'forward every call (CFU): sip:/tel: URI, number or user of the domain')
    .option('--forward-busy <uri>', 'forward when busy, 486 (CFB)')
    .option('--forward-no-answer <uri>', 'forward when not answered within the ring timeout (CFNA)')
    .option('--ring-timeout <seconds>', 'seconds before no answer (default 20)')
    .option('--forward-unreachable <uri>', 'forward when not registered or unreachable, 408/480/503 (CFNR)')
    .option('--bar-incoming <pattern...>', 'refuse calls from numbers matching (+1900*, 00*, +4930123456?)')
    .option('--bar-outgoing <pattern...>', 'refuse calls to numbers matching')
    .option('--reject-anonymous', 'refuse anonymous callers with 433 (RFC 5079)')
    .option('--no-reject-anonymous', 'accept anonymous callers')
    .option('--clir', 'withhold the caller identity on every call (Privacy: id)')
    .option('--no-clir', 'present the caller identity')
    .option('--max-diversions <n>', 'forwards a call may take before 483 (default 5)')
    .option('--country-code <digits>', 'domain numbering plan: country code, e.g. 49')
    .option('--national-prefix <digits>', 'domain numbering plan: national prefix, e.g. 0')
    .option('--international-prefix <digits>', 'domain numbering plan: international prefix, e.g. 00')
    .option('--area-code <digits>', 'domain numbering plan: area code of local numbers, e.g. 30');
  addStoreOptions(addJsonOption(set)).action((target: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const subject = parseTarget(target);
      const changes = changesFrom(flags, subject.username === undefined);
      if (Object.keys(changes).length === 0)
        throw new UsageError(
          `nothing to change for ${target}: give a setting, e.g. --forward-busy sip:bob@example.com`,
        );
      if (changes.numbering) {
        // One flag of the plan changes that part; the rest of the domain's plan stays.
        const current = (await store.features.getDomainFeatures(subject.domain))?.features.numbering;
        changes.numbering = { ...current, ...changes.numbering };
      }
      const stored = await named(() => write(store, subject, changes));
      if (flags['json']) printJson(io, stored.features);
      else io.stdout(`${describe(subject)}: ${summary(stored.features)}\n`);
    }),
  );

  const clear = feature
    .command('clear')
    .description('clear settings (back to the domain default), or all of them when none is named')
    .argument('<target>', TARGET_HELP)
    .argument('[settings...]', `settings to clear: ${SETTINGS.map((s) => s.flag).join(', ')}`);
  addStoreOptions(addJsonOption(clear)).action((target: string, names: string[], flags: Flags) =>
    withStore(flags, io, async (store) => {
      const subject = parseTarget(target);
      await requireSubject(store, subject);
      if (names.length === 0) {
        const removed =
          subject.username === undefined
            ? await store.features.removeDomainFeatures(subject.domain)
            : await store.features.removeSubscriberFeatures(subject.username, subject.domain);
        if (flags['json']) printJson(io, { cleared: describe(subject), removed });
        else io.stdout(`${describe(subject)}: ${removed ? 'every setting cleared' : 'had no settings'}\n`);
        return;
      }
      const changes: FeatureChanges<DomainFeatures> = {};
      for (const name of names) {
        const setting = SETTINGS.find((s) => s.flag === name.replace(/^--/, ''));
        if (!setting || (setting.domainOnly && subject.username !== undefined))
          throw new UsageError(
            `unknown setting ${JSON.stringify(name)}: expected one of ${SETTINGS.filter(
              (s) => !s.domainOnly || subject.username === undefined,
            )
              .map((s) => s.flag)
              .join(', ')}`,
          );
        changes[setting.field] = null;
      }
      const stored = await write(store, subject, changes);
      if (flags['json']) printJson(io, stored.features);
      else io.stdout(`${describe(subject)}: ${summary(stored.features)}\n`);
    }),
  );
}

interface Subject {
  username?: string;
  domain: string;
}

function parseTarget(target: string): Subject {
  if (target.includes('@')) return parseAddress(target);
  return { domain: target.trim().toLowerCase() };
}

/** Clearing what is not there names it, like the store does for a change. */
async function requireSubject(store: SqlProvisioningStore, subject: Subject): Promise<void> {
  if (subject.username === undefined) {
    if (!(await store.hasDomain(subject.domain)))
      throw new UsageError(`domain ${subject.domain} does not exist`);
  } else if (!(await store.getSubscriber(subject.username, subject.domain))) {
    throw new UsageError(`subscriber ${subject.username}@${subject.domain} does not exist`);
  }
}

function describe(subject: Subject): string {
  return subject.username === undefined
    ? `domain ${subject.domain}`
    : `${subject.username}@${subject.domain}`;
}

function write(store: SqlProvisioningStore, subject: Subject, changes: FeatureChanges<DomainFeatures>) {
  if (subject.username === undefined) return store.features.updateDomainFeatures(subject.domain, changes);
  return store.features.updateSubscriberFeatures(
    subject.username,
    subject.domain,
    changes as FeatureChanges<CallFeatures>,
  );
}

/** The store names the setting by its API name; the CLI user typed a flag. */
async function named<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof InvalidInputError && e.field) {
      const [head, sub] = e.field.split('/');
      const setting = SETTINGS.find((s) => s.field === head);
      const flag = sub ? NUMBERING_FLAGS.find(([field]) => field === sub)?.[1] : setting?.flag;
      if (flag) throw new InvalidInputError(e.message.replace(e.field, `--${flag}`));
    }
    throw e;
  }
}

function changesFrom(flags: Flags, domain: boolean): FeatureChanges<DomainFeatures> {
  const changes: FeatureChanges<DomainFeatures> = {};
  const text = (flag: string) => flags[flag] as string | undefined;
  for (const field of ['forwardAlways', 'forwardBusy', 'forwardNoAnswer', 'forwardUnreachable'] as const) {
    if (text(field) !== undefined) changes[field] = text(field)!;
  }
  for (const field of ['ringTimeout', 'maxDiversions'] as const) {
    const value = text(field);
    // Anything but digits goes to the store as text, which refuses it naming the flag.
    if (value !== undefined) changes[field] = (/^\d+$/.test(value) ? Number(value) : value) as number;
  }
  for (const field of ['barIncoming', 'barOutgoing'] as const) {
    const value = flags[field] as string[] | undefined;
    if (value !== undefined) changes[field] = value.flatMap((v) => v.split(',')).filter((v) => v !== '');
  }
  for (const field of ['rejectAnonymous', 'clir'] as const) {
    if (typeof flags[field] === 'boolean') changes[field] = flags[field] as boolean;
  }
  const plan = NUMBERING_FLAGS.filter(([field]) => text(field) !== undefined);
  if (plan.length > 0) {
    if (!domain)
      throw new UsageError(
        `--${plan[0]![1]} is a domain setting: give the domain, e.g. switchboard feature set example.com --country-code 49`,
      );
    changes.numbering = Object.fromEntries(
      plan.map(([field]) => [field, text(field)]),
    ) as unknown as DomainFeatures['numbering'];
  }
  return changes;
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(' ');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  return String(value);
}

function summary(features: DomainFeatures): string {
  const set = SETTINGS.filter((s) => features[s.field] !== undefined);
  if (set.length === 0) return 'no settings (the domain defaults apply)';
  return set.map((s) => `${s.flag} ${valueText(features[s.field])}`).join(', ');
}

/** SETTING, then a column per layer (subscriber, domain). */
function settingsTable(layers: Array<[string, DomainFeatures]>): string {
  const rows = SETTINGS.filter((s) => layers.some(([, f]) => f[s.field] !== undefined)).map((s) => [
    s.flag,
    ...layers.map(([, f]) => (f[s.field] === undefined ? '-' : valueText(f[s.field]))),
  ]);
  if (rows.length === 0) return 'no settings: no forwarding, no barring, caller identity presented\n';
  return formatTable(['SETTING', ...layers.map(([name]) => name.toUpperCase())], rows);
}
