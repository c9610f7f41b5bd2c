import type { Command } from 'commander';
import type { GatewayHealthStatus } from '../../gateway-health/index.js';
import type { TrunkRegistrationStatus } from '../../trunk-registration/index.js';
import type { CliIo } from '../io.js';
import { addApiOptions, withApi } from './api-client.js';
import { addJsonOption } from './store-options.js';
import { formatTable } from './table.js';
import { printJson } from './with-store.js';

type Flags = Record<string, unknown>;

/** The API's JSON: times as ISO 8601 text. */
type Json<T> = { [K in keyof T]: T[K] extends number | undefined ? T[K] | string : T[K] };
type GatewayJson = Json<GatewayHealthStatus>;
type RegistrationJson = Json<TrunkRegistrationStatus>;

const RUNNING_NODE =
  '\nIt asks the running node (`switchboard start`) over its HTTP API: give --api-key or\n' +
  'SWITCHBOARD_API_KEY, and --api-url or SWITCHBOARD_API_URL (default http://127.0.0.1:8080).\n';

/** `switchboard gateway status [id]`: OPTIONS probing as the running node sees it. */
export function registerGatewayStatus(gateway: Command, io: CliIo): void {
  const status = gateway
    .command('status')
    .description('show whether the running node has each probed gateway up or down (OPTIONS probing)')
    .argument('[id]', 'one gateway');
  status.addHelpText(
    'after',
    `${RUNNING_NODE}\nA gateway is down after gateways.probeFailures failed probes in a row (no answer, 408,\n5xx) and gets no new calls until it answers again; unknown means not answered yet (taken as up).\n`,
  );
  addApiOptions(addJsonOption(status)).action((id: string | undefined, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const list = id
        ? [(await api.json<GatewayJson>('GET', `/v1/gateway-health/${encodeURIComponent(id)}`)).body]
        : (await api.json<GatewayJson[]>('GET', '/v1/gateway-health')).body;
      if (flags['json']) printJson(io, id ? list[0] : list);
      else if (list.length === 0) io.stdout('no probed gateways (gateway add ... probes by default)\n');
      else
        io.stdout(
          formatTable(
            [
              'GATEWAY',
              'TRUNK',
              'URI',
              'STATE',
              'SINCE',
              'LAST PROBE',
              'FAILED IN A ROW',
              'PROBES',
              'LAST ERROR',
            ],
            list.map((g) => [
              g.id,
              g.trunk ?? '',
              g.uri,
              g.state,
              String(g.since),
              g.lastProbeAt === undefined ? '-' : String(g.lastProbeAt),
              String(g.consecutiveFailures),
              `${g.probes} (${g.failures} failed)`,
              g.lastError ?? '',
            ]),
          ),
        );
    }),
  );
}

/** `switchboard trunk status [name]`: the node's registrations at its carriers. */
export function registerTrunkStatus(trunk: Command, io: CliIo): void {
  const status = trunk
    .command('status')
    .description(
      "show the running node's registration at each carrier that wants one (trunk add|set --register-uri)",
    )
    .argument('[name]', 'one trunk');
  status.addHelpText(
    'after',
    `${RUNNING_NODE}\nStates: registering, registered (until EXPIRES), failed (retried at NEXT ATTEMPT), unregistered.\n`,
  );
  addApiOptions(addJsonOption(status)).action((name: string | undefined, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const list = name
        ? [
            (await api.json<RegistrationJson>('GET', `/v1/trunk-registrations/${encodeURIComponent(name)}`))
              .body,
          ]
        : (await api.json<RegistrationJson[]>('GET', '/v1/trunk-registrations')).body;
      if (flags['json']) printJson(io, name ? list[0] : list);
      else if (list.length === 0) io.stdout('no trunk registers at a carrier\n');
      else
        io.stdout(
          formatTable(
            ['TRUNK', 'STATE', 'REGISTRAR', 'AOR', 'EXPIRES', 'NEXT ATTEMPT', 'LAST ERROR'],
            list.map((r) => [
              r.trunk,
              r.state,
              r.registrar,
              r.aor,
              r.expiresAt === undefined ? '-' : String(r.expiresAt),
              r.nextAttemptAt === undefined ? '-' : String(r.nextAttemptAt),
              r.lastError ?? '',
            ]),
          ),
        );
    }),
  );
}
