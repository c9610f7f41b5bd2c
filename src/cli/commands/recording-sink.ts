import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import type { CliDeps, StartedNode } from '../deps.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { stopOnSignals } from './stop-on-signals.js';

type Flags = Record<string, unknown>;

/** `switchboard recording-sink`: receives recording streams and writes them as local recordings. */
export function registerRecordingSink(program: Command, io: CliIo, deps: CliDeps): void {
  const command = program
    .command('recording-sink')
    .description(
      'receive recordings streamed by nodes (recording --stream ws://…) and write each as a local recording would be',
    )
    .requiredOption(
      '--dir <dir>',
      'folder for the recordings: <dir>/<recording-id>/leg-N.wav, leg-N.pcap, mixed.wav, metadata.json',
    )
    .option('--listen <ip>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'TCP port to listen on; 0 picks a free one (default 0)')
    .option('--path <path>', 'accept streams only on this URL path, e.g. /recordings (default any path)')
    .option(
      '--token <token>',
      'require this token from producers (Authorization: Bearer, or ?token= in their URL) [env SWITCHBOARD_SINK_TOKEN]',
    )
    .option('--tls-cert <file>', 'serve wss:// with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert');
  command.addHelpText(
    'after',
    '\nOne JSON log line per recording opened and closed goes to stdout; the listening address to stderr.\n' +
      'Stops on SIGINT/SIGTERM; recordings still open are then closed as failed.\n\n' +
      'Example:\n' +
      '  switchboard recording-sink --listen 0.0.0.0 --port 9000 --dir /var/recordings --path /rec --token s3cret\n' +
      '  switchboard recording start <call-id> --no-store --stream "ws://sink.example:9000/rec?token=s3cret"\n',
  );
  command.action(async (flags: Flags) => {
    const options = sinkOptions(flags, io);
    if (!options) return;
    // Loaded on use: the codecs and the WebSocket server are not needed by other commands or --help.
    const [{ RecordingSinkServer }, { SinkRecordings }] = await Promise.all([
      import('../../recording/stream/index.js'),
      import('./recording-sink-files.js'),
    ]);
    const logger = deps.createLogger('info').child({ role: 'recording-sink' });
    const signals = stopOnSignals(io, logger);
    const recordings = new SinkRecordings(options.dir, logger);
    const server = new RecordingSinkServer({
      host: options.host,
      port: options.port,
      ...(options.path ? { path: options.path } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      createSink: (open) => recordings.createSink(open),
      onRecordingClosed: (id, close, failure) => recordings.closed(id, close, failure),
    });
    let address: { address: string; port: number };
    try {
      address = await server.listen();
    } catch (e) {
      io.stderr(`error: cannot listen on ${hostPort(options.host, options.port)}: ${(e as Error).message}\n`);
      io.exit(EXIT_FAILURE);
      return;
    }
    const scheme = options.tls ? 'wss' : 'ws';
    const url = `${scheme}://${hostPort(address.address, address.port)}${options.path ?? '/'}`;
    io.stderr(`listening on ${url}\n`);
    logger.info({ url, dir: options.dir }, 'recording sink started');
    const running: StartedNode = {
      listening: [{ protocol: scheme, address: address.address, port: address.port }],
      stop: async () => {
        await server.close();
        await recordings.settled();
        logger.info({ counters: server.counters }, 'recording sink stopped');
      },
    };
    signals.started(running);
  });
}

interface SinkOptions {
  dir: string;
  host: string;
  port: number;
  path?: string;
  token?: string;
  tls?: { cert: Buffer; key: Buffer };
}

/** The flags checked, or undefined after printing what is wrong (exit 2). */
function sinkOptions(flags: Flags, io: CliIo): SinkOptions | undefined {
  const problems: string[] = [];
  const host = (flags['listen'] as string | undefined) ?? '127.0.0.1';
  if (isIP(host) === 0) problems.push(`--listen ${host} is not an IP address`);
  const portText = String(flags['port'] ?? '0');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`--port must be 0-65535, not "${portText}"`);
  const path = flags['path'] as string | undefined;
  if (path !== undefined && !/^\/\S*$/.test(path)) problems.push(`--path must start with /, not "${path}"`);
  const token = (flags['token'] as string | undefined) ?? io.env['SWITCHBOARD_SINK_TOKEN'];
  if (token !== undefined && token.trim() === '') problems.push('--token must not be empty');
  const certFile = flags['tlsCert'] as string | undefined;
  const keyFile = flags['tlsKey'] as string | undefined;
  let tls: SinkOptions['tls'];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('--tls-cert and --tls-key go together');
  } else if (certFile && keyFile) {
    try {
      tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
    } catch (e) {
      problems.push(`cannot read the TLS files: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) io.stderr(`error: ${problem}\n`);
    io.exit(EXIT_USAGE);
    return undefined;
  }
  return {
    dir: String(flags['dir']),
    host,
    port,
    ...(path ? { path } : {}),
    ...(token ? { token } : {}),
    ...(tls ? { tls } : {}),
  };
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
