import type { Command } from 'commander';
import { type GatewayChanges, NotFoundError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { registerGatewayStatus } from './carrier-status.js';
import { gatewaysText } from './gateway-table.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { integer } from './trunk-options.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

function addGatewayOptions(command: Command): Command {
  return command
    .option('--transport <name>', "udp, tcp or tls (default: the URI's, else udp)")
    .option('--priority <n>', 'lower first, for the priority algorithm (0-65535)')
    .option('--weight <n>', 'share of calls for the weighted algorithm; 0 only as a reserve (0-10000)');
}

/** `switchboard gateway …`: the SIP servers of a trunk. */
export function registerGateway(program: Command, io: CliIo): void {
  const gateway = program.command('gateway').description("manage a trunk's gateways (its SIP servers)");

  const add = addGatewayOptions(
    gateway
      .command('add')
      .description('add a gateway to a trunk')
      .argument('<trunk>', 'trunk name')
      .argument('<uri>', 'SIP URI without user part, e.g. sip:203.0.113.5:5060')
      .option('--id <id>', 'its id (default: made, e.g. gw-3f9a1c20)')
      .option('--no-probe', 'do not probe it with OPTIONS')
      .option('--disabled', 'add it disabled'),
  );
  addStoreOptions(addJsonOption(add)).action((trunk: string, uri: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const priority = integer(flags, 'priority', '--priority');
      const weight = integer(flags, 'weight', '--weight');
      const added = await store.trunks.addGateway({
        trunk,
        uri,
        ...(typeof flags['id'] === 'string' ? { id: flags['id'] } : {}),
        ...(typeof flags['transport'] === 'string' ? { transport: flags['transport'] } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(weight !== undefined ? { weight } : {}),
        probe: flags['probe'] !== false,
        enabled: flags['disabled'] !== true,
      });
      if (flags['json']) printJson(io, added);
      else io.stdout(`added gateway ${added.id} (${added.uri}) to trunk ${added.trunk}\n`);
    }),
  );

  const set = addGatewayOptions(
    gateway
      .command('set')
      .description("change a gateway's settings")
      .argument('<id>', 'gateway id')
      .option('--uri <uri>', 'a new SIP URI')
      .option('--probe', 'probe it with OPTIONS')
      .option('--no-probe', 'do not probe it')
      .option('--enable', 'take calls again')
      .option('--disable', 'take no calls'),
  );
  addStoreOptions(addJsonOption(set)).action((id: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const changes: GatewayChanges = {};
      if (typeof flags['uri'] === 'string') changes.uri = flags['uri'];
      if (typeof flags['transport'] === 'string') changes.transport = flags['transport'];
      const priority = integer(flags, 'priority', '--priority');
      if (priority !== undefined) changes.priority = priority;
      const weight = integer(flags, 'weight', '--weight');
      if (weight !== undefined) changes.weight = weight;
      if (typeof flags['probe'] === 'boolean') changes.probe = flags['probe'];
      if (flags['enable'] && flags['disable']) throw new UsageError('give --enable or --disable, not both');
      if (flags['enable']) changes.enabled = true;
      if (flags['disable']) changes.enabled = false;
      if (Object.keys(changes).length === 0)
        throw new UsageError(`nothing to change for gateway ${id}: give a setting, e.g. --weight 2`);
      const updated = await store.trunks.updateGateway(id, changes);
      if (flags['json']) printJson(io, updated);
      else io.stdout(`updated gateway ${updated.id}\n`);
    }),
  );

  const list = gateway
    .command('list')
    .description('list the gateways')
    .option('--trunk <name>', "only this trunk's");
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const trunk = typeof flags['trunk'] === 'string' ? flags['trunk'] : undefined;
      const gateways = await store.trunks.listGateways(trunk);
      if (flags['json']) printJson(io, gateways);
      else io.stdout(gatewaysText(gateways, { trunkColumn: true, trunk: 'carrier-a' }));
    }),
  );

  const remove = gateway.command('remove').description('remove a gateway').argument('<id>', 'gateway id');
  addStoreOptions(addJsonOption(remove)).action((id: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      if (!(await store.trunks.removeGateway(id))) throw new NotFoundError(`gateway ${id} does not exist`);
      if (flags['json']) printJson(io, { removed: id });
      else io.stdout(`removed gateway ${id}\n`);
    }),
  );

  registerGatewayStatus(gateway, io);
}
