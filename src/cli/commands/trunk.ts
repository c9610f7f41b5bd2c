import type { Command } from 'commander';
import { type NewTrunk, NotFoundError, type Trunk, withoutSecrets } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { registerCallPolicy } from './call-policy.js';
import { registerTrunkStatus } from './carrier-status.js';
import { gatewaysText } from './gateway-table.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { addTrunkOptions, trunkChangesFrom } from './trunk-options.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

/** `switchboard trunk …`: carriers and peers (inbound recognition, outbound settings, registration). */
export function registerTrunk(program: Command, io: CliIo): void {
  const trunk = program
    .command('trunk')
    .description('manage SIP trunks: carriers and peers, their inbound recognition and outbound settings');
  registerCallPolicy(trunk, io, 'trunk');

  const add = addTrunkOptions(
    trunk
      .command('add')
      .description('add a trunk (add its gateways with `gateway add`, its routes with `route add`)')
      .argument('<name>', 'trunk name, e.g. carrier-a')
      .option('--disabled', 'add it disabled (no calls either way)'),
  );
  addStoreOptions(addJsonOption(add)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const changes = trunkChangesFrom(flags);
      const input: NewTrunk = { name, enabled: flags['disabled'] !== true };
      for (const [key, value] of Object.entries(changes)) {
        if (value !== null) (input as unknown as Record<string, unknown>)[key] = value;
      }
      const added = await store.trunks.addTrunk(input);
      if (flags['json']) printJson(io, withoutSecrets(added));
      else io.stdout(`added trunk ${added.name}\n`);
    }),
  );

  const set = addTrunkOptions(
    trunk
      .command('set')
      .description("change a trunk's settings (the others stay; 'none'/'default' clears one)")
      .argument('<name>', 'trunk name')
      .option('--enable', 'take calls again')
      .option('--disable', 'take no calls either way'),
  );
  addStoreOptions(addJsonOption(set)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const current = await store.trunks.getTrunk(name);
      if (!current) throw new NotFoundError(`trunk ${name} does not exist`);
      const changes = trunkChangesFrom(flags, current.registration);
      if (flags['enable'] && flags['disable']) throw new UsageError('give --enable or --disable, not both');
      if (flags['enable']) changes.enabled = true;
      if (flags['disable']) changes.enabled = false;
      if (Object.keys(changes).length === 0)
        throw new UsageError(
          `nothing to change for trunk ${name}: give a setting, e.g. --dispatch round-robin`,
        );
      const updated = await store.trunks.updateTrunk(name, changes);
      if (flags['json']) printJson(io, withoutSecrets(updated));
      else io.stdout(`updated trunk ${updated.name}\n`);
    }),
  );

  const list = trunk.command('list').description('list the trunks');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const trunks = await store.trunks.listTrunks();
      const gateways = await store.trunks.listGateways();
      if (flags['json']) printJson(io, trunks.map(withoutSecrets));
      else if (trunks.length === 0) io.stdout('no trunks (add one: switchboard trunk add carrier-a)\n');
      else
        io.stdout(
          formatTable(
            ['TRUNK', 'ENABLED', 'INBOUND', 'DISPATCH', 'GATEWAYS', 'REGISTERS'],
            trunks.map((t) => [
              t.name,
              t.enabled ? 'yes' : 'no',
              inboundText(t),
              t.dispatch,
              String(gateways.filter((g) => g.trunk === t.name).length),
              t.registration ? t.registration.registrar : '-',
            ]),
          ),
        );
    }),
  );

  const show = trunk
    .command('show')
    .description("show a trunk's settings and gateways")
    .argument('<name>', 'trunk name');
  addStoreOptions(addJsonOption(show)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const found = await store.trunks.getTrunk(name);
      if (!found) throw new NotFoundError(`trunk ${name} does not exist`);
      const gateways = await store.trunks.listGateways(name);
      if (flags['json']) {
        printJson(io, { ...withoutSecrets(found), gateways });
        return;
      }
      const shown = withoutSecrets(found);
      const rows: Array<[string, string]> = [
        ['enabled', shown.enabled ? 'yes' : 'no'],
        ['inbound', inboundText(shown)],
        ['inbound manipulation', `strip ${shown.inboundStrip}, prefix '${shown.inboundPrefix}'`],
        ['dispatch', shown.dispatch],
        ['outbound manipulation', `strip ${shown.stripDigits}, prefix '${shown.prefix}'`],
        ['caller ID', shown.callerId ?? "(the caller's)"],
        [
          'reply timeout',
          shown.noReplyTimeout === undefined ? '(trunks.noReplyTimeout)' : `${shown.noReplyTimeout} ms`,
        ],
        ['ring timeout', shown.noAnswerTimeout === undefined ? '(none)' : `${shown.noAnswerTimeout} ms`],
        ['failover codes', shown.failoverCodes?.join(',') ?? '(trunks.failoverCodes)'],
        ['codecs', shown.codecs.join(',') || '(any)'],
        [
          'registration',
          shown.registration ? `${shown.registration.username} at ${shown.registration.registrar}` : '-',
        ],
        ['TLS certificate', tlsText(shown.tlsCertificate, "(the node's own)")],
        ['TLS key', tlsText(shown.tlsKey, '-')],
        ['TLS CA', tlsText(shown.tlsCa, '(tls.ca)')],
      ];
      io.stdout(`trunk ${shown.name}${shown.description ? ` (${shown.description})` : ''}\n`);
      io.stdout(formatTable(['SETTING', 'VALUE'], rows));
      io.stdout(gatewaysText(gateways, { trunkColumn: false, trunk: name }));
    }),
  );

  const remove = trunk
    .command('remove')
    .description('remove a trunk with its gateways; refused while routes use it, unless --force')
    .argument('<name>', 'trunk name')
    .option('--force', 'also remove the routes that use it');
  addStoreOptions(addJsonOption(remove)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const removed = await store.trunks.removeTrunk(name, { cascade: flags['force'] === true });
      if (!removed) throw new NotFoundError(`trunk ${name} does not exist`);
      if (flags['json']) printJson(io, { removed: name });
      else io.stdout(`removed trunk ${name}\n`);
    }),
  );

  registerTrunkStatus(trunk, io);
}

function inboundText(trunk: Trunk): string {
  const parts = [...trunk.inboundCidrs];
  if (trunk.inboundUsername !== undefined) parts.push(`digest ${trunk.inboundUsername}`);
  if (trunk.inboundTlsName !== undefined) parts.push(`TLS certificate ${trunk.inboundTlsName}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** A TLS field as shown: its path, or that PEM text is stored. */
function tlsText(value: string | undefined, unset: string): string {
  if (value === undefined) return unset;
  return value.startsWith('-----BEGIN') ? '(PEM text)' : value;
}
