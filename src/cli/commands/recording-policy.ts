import type { Command } from 'commander';
import type { RecordingPolicy } from '../../recording/types.js';
import type { CliIo } from '../io.js';
import { addApiOptions, usage, withApi } from './api-client.js';
import { policyTable } from './recording-format.js';
import { addJsonOption } from './store-options.js';
import { printJson } from './with-store.js';

type Flags = Record<string, unknown>;

/** `switchboard recording policy …`: "record every call of this subscriber". */
export function registerRecordingPolicy(recording: Command, io: CliIo): void {
  const policy = recording
    .command('policy')
    .description("record every call of a subscriber (the node's recording policies)");

  const list = policy.command('list').description('list the recording policies');
  addApiOptions(addJsonOption(list)).action((flags: Flags) =>
    withApi(flags, io, async (api) => {
      const { body } = await api.json<RecordingPolicy[]>('GET', '/v1/recording-policies');
      if (flags['json']) printJson(io, body);
      else if (body.length === 0) io.stdout('no recording policies\n');
      else io.stdout(policyTable(body));
    }),
  );

  const set = policy
    .command('set')
    .description("record every call of a subscriber (creates or replaces the subscriber's policy)")
    .argument('<subscriber>', 'user@domain, e.g. alice@example.com')
    .option('--no-store', 'keep no local files (needs --stream)')
    .option('--stream <url>', 'also stream the calls to this ws:// or wss:// consumer');
  addApiOptions(addJsonOption(set)).action((subscriber: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const store = flags['store'] !== false;
      const streamUrl = flags['stream'] as string | undefined;
      if (!store && !streamUrl)
        throw usage('--no-store needs --stream <url>: the recording must go somewhere');
      const { status, body } = await api.json<RecordingPolicy>(
        'PUT',
        `/v1/recording-policies/${encodeURIComponent(subscriber)}`,
        { body: { store, ...(streamUrl ? { streamUrl } : {}) } },
      );
      if (flags['json']) printJson(io, body);
      else {
        const what = [body.store ? 'files kept' : 'no files'];
        if (body.streamUrl) what.push(`streamed to ${body.streamUrl}`);
        const verb = status === 201 ? 'created' : 'replaced';
        io.stdout(`${verb} the recording policy of ${body.subscriber} (${what.join(', ')})\n`);
      }
    }),
  );

  const remove = policy
    .command('remove')
    .description("stop recording a subscriber's calls")
    .argument('<subscriber>', 'user@domain');
  addApiOptions(addJsonOption(remove)).action((subscriber: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      await api.json('DELETE', `/v1/recording-policies/${encodeURIComponent(subscriber)}`);
      if (flags['json']) printJson(io, { removed: subscriber });
      else io.stdout(`removed the recording policy of ${subscriber}\n`);
    }),
  );
}
