import { type Command, Option } from 'commander';
import type { RecordingSummary, StartRecordingRequest } from '../../recording/types.js';
import type { CliIo } from '../io.js';
import { addApiOptions, usage, withApi } from './api-client.js';
import { registerRecordingDownload } from './recording-download.js';
import { recordingDetails, recordingLine, recordingTable, wholeNumber } from './recording-format.js';
import { registerRecordingPolicy } from './recording-policy.js';
import { addJsonOption } from './store-options.js';
import { printJson } from './with-store.js';

type Flags = Record<string, unknown>;

const STATUSES = ['active', 'paused', 'stopped', 'failed'];

/** `switchboard recording …`: drives the recording service of a running node over its HTTP API. */
export function registerRecording(program: Command, io: CliIo): void {
  const recording = program
    .command('recording')
    .description('record calls through a running node (`switchboard start`) over its HTTP API');
  recording.addHelpText(
    'after',
    '\nEvery subcommand needs an API key (--api-key or SWITCHBOARD_API_KEY) and talks to\n' +
      '--api-url or SWITCHBOARD_API_URL (default http://127.0.0.1:8080).\n\n' +
      'Examples:\n' +
      '  export SWITCHBOARD_API_KEY=sb_…   # from `switchboard apikey add ops`\n' +
      '  switchboard recording start 3c2a9f@10.0.0.5 --media-server 10.0.0.7:2223\n' +
      '  switchboard recording list --status active\n' +
      '  switchboard recording download <id> -o call.wav\n',
  );

  const start = recording
    .command('start')
    .description("start recording a call: the media server forks the call's RTP to this node")
    .argument('<call-id>', 'the SIP Call-ID of the call')
    .option(
      '--media-server <host:port>',
      "ng address of the rtpengine carrying the call (default: the node's recording.mediaServer)",
    )
    .option(
      '--from-tag <tag>',
      'record only the leg with this From tag (repeat for several; every leg when absent)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--no-store', 'keep no local files (needs --stream)')
    .option(
      '--stream <url>',
      'also stream the packets to this ws:// or wss:// consumer (`switchboard recording-sink`)',
    );
  addApiOptions(addJsonOption(start)).action((callId: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const store = flags['store'] !== false;
      const streamUrl = flags['stream'] as string | undefined;
      if (!store && !streamUrl)
        throw usage('--no-store needs --stream <url>: the recording must go somewhere');
      const body: StartRecordingRequest = { callId, store };
      if (flags['mediaServer']) body.mediaServer = flags['mediaServer'] as string;
      if (flags['fromTag']) body.fromTags = flags['fromTag'] as string[];
      if (streamUrl) body.streamUrl = streamUrl;
      const started = await api.json<RecordingSummary>('POST', '/v1/recordings', { body });
      if (flags['json']) printJson(io, started.body);
      else io.stdout(recordingLine('started', started.body));
    }),
  );

  for (const [action, verb, description] of [
    ['stop', 'stopped', 'stop a recording; its files are finished and kept'],
    ['pause', 'paused', 'pause a recording (packets are dropped until it is resumed)'],
    ['resume', 'resumed', 'resume a paused recording'],
  ] as const) {
    const command = recording.command(action).description(description).argument('<id>', 'the recording id');
    addApiOptions(addJsonOption(command)).action((id: string, flags: Flags) =>
      withApi(flags, io, async (api) => {
        const { body } = await api.json<RecordingSummary>(
          'POST',
          `/v1/recordings/${encodeURIComponent(id)}/${action}`,
        );
        if (flags['json']) printJson(io, body);
        else io.stdout(recordingLine(verb, body));
      }),
    );
  }

  const list = recording
    .command('list')
    .description('list recordings (filtered and paged)')
    .addOption(new Option('--status <status>', 'only recordings in this state').choices(STATUSES))
    .option('--call-id <call-id>', 'only recordings of this call')
    .option('--limit <n>', 'at most this many (1-1000, default 100)')
    .option('--offset <n>', 'skip this many first (for paging)');
  addApiOptions(addJsonOption(list)).action((flags: Flags) =>
    withApi(flags, io, async (api) => {
      const query = {
        status: flags['status'] as string | undefined,
        callId: flags['callId'] as string | undefined,
        limit:
          flags['limit'] === undefined ? undefined : wholeNumber('--limit', String(flags['limit']), 1, 1000),
        offset:
          flags['offset'] === undefined
            ? undefined
            : wholeNumber('--offset', String(flags['offset']), 0, 1e9),
      };
      const { body } = await api.json<RecordingSummary[]>('GET', '/v1/recordings', { query });
      if (flags['json']) printJson(io, body);
      else if (body.length === 0) io.stdout('no recordings\n');
      else io.stdout(recordingTable(body));
    }),
  );

  const get = recording
    .command('get')
    .description('show one recording (with --json: its summary and its whole metadata document)')
    .argument('<id>', 'the recording id');
  addApiOptions(addJsonOption(get)).action((id: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const path = `/v1/recordings/${encodeURIComponent(id)}`;
      const { body: summary } = await api.json<RecordingSummary>('GET', path);
      // The document can vanish between the two calls (deleted meanwhile): the summary still stands.
      const metadata = await api
        .json<Record<string, unknown>>('GET', `${path}/metadata`)
        .then((r) => r.body)
        .catch(() => undefined);
      if (flags['json']) printJson(io, { ...summary, metadata: metadata ?? null });
      else io.stdout(recordingDetails(summary, metadata));
    }),
  );

  const remove = recording
    .command('delete')
    .description('delete a finished recording and its files (stop it first if it is running)')
    .argument('<id>', 'the recording id');
  addApiOptions(addJsonOption(remove)).action((id: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      await api.json('DELETE', `/v1/recordings/${encodeURIComponent(id)}`);
      if (flags['json']) printJson(io, { deleted: id });
      else io.stdout(`deleted recording ${id}\n`);
    }),
  );

  registerRecordingDownload(recording, io);
  registerRecordingPolicy(recording, io);
}
