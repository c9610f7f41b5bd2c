import { isIP } from 'node:net';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { addApiOptions, usage, withApi } from './api-client.js';
import { addJsonOption } from './store-options.js';
import { formatTable } from './table.js';
import { printJson } from './with-store.js';

type Flags = Record<string, unknown>;

/** A ban as the API gives it (times in ISO 8601). */
interface BanJson {
  address: string;
  reason: string;
  since: string;
  until: string | null;
  dropped: number;
}

const RUNNING_NODE =
  '\nIt asks the running node (`switchboard start`) over its HTTP API: give --api-key or\n' +
  'SWITCHBOARD_API_KEY, and --api-url or SWITCHBOARD_API_URL (default http://127.0.0.1:8080).\n' +
  'Bans are kept in the store: a restart keeps them, and the nodes sharing one store follow\n' +
  "each other's bans and lifts within edge.banPollInterval seconds.\n";

const REASONS =
  '\nReasons: flood (more than edge.flood.requests requests in edge.flood.window s), scanner\n' +
  '(User-Agent in edge.scanners.userAgents), auth (edge.authFailures.count failed\n' +
  'authentications), manual (ban add).\n';

/** `switchboard ban list|add|lift`: the sources the running node's edge drops. */
export function registerBan(program: Command, io: CliIo): void {
  const ban = program
    .command('ban')
    .description("list, add and lift the running node's bans of source addresses (flood, scanner, auth)");

  const list = ban.command('list').description('list the banned addresses, oldest first');
  list.addHelpText('after', `${RUNNING_NODE}${REASONS}`);
  addApiOptions(addJsonOption(list)).action((flags: Flags) =>
    withApi(flags, io, async (api) => {
      const bans = (await api.json<BanJson[]>('GET', '/v1/bans')).body;
      if (flags['json']) printJson(io, bans);
      else if (bans.length === 0) io.stdout('no banned addresses\n');
      else
        io.stdout(
          formatTable(
            ['ADDRESS', 'REASON', 'SINCE', 'UNTIL', 'DROPPED'],
            bans.map((b) => [b.address, b.reason, b.since, b.until ?? 'lifted by hand', String(b.dropped)]),
          ),
        );
    }),
  );

  const add = ban
    .command('add')
    .description('ban an address: its packets are dropped unanswered')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .option('--for <seconds>', 'how long the ban lasts (default: until lifted)');
  add.addHelpText(
    'after',
    `${RUNNING_NODE}\nAllowed sources (edge.allow, trunks' inbound networks, the node's own addresses) cannot be banned.\n`,
  );
  addApiOptions(addJsonOption(add)).action((ip: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const address = checkIp(ip);
      const duration = flags['for'] === undefined ? undefined : seconds(String(flags['for']));
      const { body } = await api.json<BanJson>('POST', '/v1/bans', {
        body: { address, ...(duration !== undefined ? { duration } : {}) },
      });
      if (flags['json']) printJson(io, body);
      else
        io.stdout(`banned ${body.address} ${body.until === null ? 'until lifted' : `until ${body.until}`}\n`);
    }),
  );

  const lift = ban
    .command('lift')
    .description('lift the ban of an address')
    .argument('<ip>', 'IPv4 or IPv6 address');
  lift.addHelpText('after', RUNNING_NODE);
  addApiOptions(addJsonOption(lift)).action((ip: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const address = checkIp(ip);
      await api.json<undefined>('DELETE', `/v1/bans/${encodeURIComponent(address)}`);
      if (flags['json']) printJson(io, { address, lifted: true });
      else io.stdout(`lifted the ban of ${address}\n`);
    }),
  );
}

function checkIp(text: string): string {
  const address = text
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (isIP(address) === 0)
    throw usage(`<ip>: expected an IPv4 or IPv6 address such as 192.0.2.7, got "${text}"`);
  return address;
}

function seconds(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 31_536_000)
    throw usage(`--for: expected a number of seconds 1-31536000, got "${text}"`);
  return Number(text);
}
