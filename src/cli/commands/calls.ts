import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { addApiOptions, usage, withApi } from './api-client.js';
import { addJsonOption } from './store-options.js';
import { formatTable } from './table.js';
import { printJson } from './with-store.js';

type Flags = Record<string, unknown>;

/** A call in progress as GET /v1/calls gives it (times in ISO 8601). */
interface LiveCallJson {
  id: string;
  caller: string;
  callee: string;
  state: string;
  setupAt: string;
  ringingAt?: string;
  answerAt?: string;
  sourceTrunk?: string;
  trunk?: string;
  mediaRelay?: string;
  legs: Array<{ side: string; callId: string; state: string }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const RUNNING_NODE =
  '\nIt asks the running node (`switchboard start`) over its HTTP API: give --api-key or\n' +
  'SWITCHBOARD_API_KEY, and --api-url or SWITCHBOARD_API_URL (default http://127.0.0.1:8080).\n' +
  'Only calls the B2BUA holds are listed (b2bua.mode); proxied calls have no state on the node.\n' +
  'Ended calls: switchboard cdr list.\n';

/** `switchboard calls [list] | calls hangup <id>`: the calls in progress on the running node. */
export function registerCalls(program: Command, io: CliIo): void {
  const calls = program
    .command('calls')
    .description("list the running node's calls in progress (B2BUA), and hang one up");
  calls.addHelpText('after', RUNNING_NODE);

  const list = calls
    .command('list', { isDefault: true })
    .description('list the calls in progress with their legs, oldest first (the default)');
  list.addHelpText('after', RUNNING_NODE);
  addApiOptions(addJsonOption(list)).action((flags: Flags) =>
    withApi(flags, io, async (api) => {
      const live = (await api.json<LiveCallJson[]>('GET', '/v1/calls')).body;
      if (flags['json']) printJson(io, live);
      else if (live.length === 0) io.stdout('no calls in progress\n');
      else
        io.stdout(
          formatTable(
            [
              'ID',
              'STATE',
              'CALLER',
              'CALLEE',
              'TRUNK',
              'SETUP',
              'ANSWER',
              'MEDIA',
              'CALLER LEG',
              'CALLEE LEG',
            ],
            live.map((c) => [
              c.id,
              c.state,
              c.caller,
              c.callee,
              [c.sourceTrunk, c.trunk].filter(Boolean).join(' → ') || '-',
              c.setupAt,
              c.answerAt ?? '-',
              c.mediaRelay ?? 'direct',
              leg(c, 'caller'),
              leg(c, 'callee'),
            ]),
          ),
        );
    }),
  );

  const hangup = calls
    .command('hangup')
    .description('hang up a call: BYE on both legs (CANCEL and 480 before the answer) with a Reason')
    .argument('<id>', 'the call id, as `switchboard calls` lists it');
  hangup.addHelpText(
    'after',
    `${RUNNING_NODE}\nThe call's CDR then says hangup node, with Reason SIP;cause=200;text="Call ended through the API".\n`,
  );
  addApiOptions(addJsonOption(hangup)).action((id: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const trimmed = id.trim();
      if (!UUID.test(trimmed)) {
        throw usage(`<id>: expected a call id such as 0b6e2c1e-4a0f-4c55-9d1e-2f3a4b5c6d7e, got "${id}"`);
      }
      const { body } = await api.json<LiveCallJson>('DELETE', `/v1/calls/${trimmed.toLowerCase()}`);
      if (flags['json']) printJson(io, body);
      else {
        const how = body.answerAt ? 'BYE sent to both legs' : 'CANCEL sent to the callee, 480 to the caller';
        io.stdout(`hanging up call ${body.id} (${body.caller} → ${body.callee}): ${how}\n`);
      }
    }),
  );
}

function leg(call: LiveCallJson, side: string): string {
  const found = call.legs.find((l) => l.side === side);
  return found ? `${found.state} ${found.callId}` : '-';
}
