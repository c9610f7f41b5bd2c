import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiServer } from '../../../src/api/index.js';
import { runCli } from '../../../src/cli/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { RecordingError } from '../../../src/recording/types.js';
import { FakeRecordings } from '../api/fake-recordings.js';
import { FakeIo, fakeDeps } from './fake-io.js';
import { cells } from './store-cli.js';

const KEY = 'sb_0123456789ab_secret';

describe('switchboard recording (against a real API server)', () => {
  let app: FastifyInstance;
  let recordings: FakeRecordings;
  let url: string;
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sb-cli-recording-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // A fresh service and server per test: ids start at rec-1 each time.
  beforeEach(async () => {
    recordings = new FakeRecordings(join(work, 'files'));
    app = createApiServer({
      recordings,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      apiKeys: async (key) => (key === KEY ? { id: '0123456789ab', name: 'tests' } : undefined),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });
  afterEach(() => app.close());

  /** Runs `switchboard <argv>` with the API address and key from the environment. */
  async function run(argv: string[], env: Record<string, string | undefined> = {}): Promise<FakeIo> {
    const io = new FakeIo({ SWITCHBOARD_API_URL: url, SWITCHBOARD_API_KEY: KEY, ...env });
    await runCli(argv, io, fakeDeps().deps);
    await io.exitedWith;
    return io;
  }

  async function ok(...argv: string[]): Promise<string> {
    const io = await run(argv);
    if (io.code !== 0) throw new Error(`${argv.join(' ')} exited ${io.code}: ${io.err}`);
    return io.out;
  }

  it('starts a recording with every option, as a line and as JSON', async () => {
    const out = await ok(
      'recording',
      'start',
      'call-1@host',
      '--media-server',
      '10.0.0.7:2223',
      '--from-tag',
      'a1',
      '--from-tag',
      'b2',
      '--stream',
      'ws://sink.example:9000/rec',
    );
    expect(out).toBe(
      'started recording rec-1 of call call-1@host (active, 2 legs, files, stream ws://sink.example:9000/rec)\n',
    );
    expect(recordings.calls.at(-1)).toEqual({
      method: 'start',
      args: [
        {
          callId: 'call-1@host',
          mediaServer: '10.0.0.7:2223',
          fromTags: ['a1', 'b2'],
          store: true,
          streamUrl: 'ws://sink.example:9000/rec',
        },
      ],
    });
    const json = JSON.parse(
      await ok('recording', 'start', 'call-2', '--no-store', '--stream', 'wss://s/x', '--json'),
    );
    expect(json).toMatchObject({ callId: 'call-2', status: 'active', stored: false, streamUrl: 'wss://s/x' });
  });

  it('refuses --no-store without --stream before calling the API', async () => {
    const io = await run(['recording', 'start', 'c', '--no-store']);
    expect(io.code).toBe(2);
    expect(io.err).toBe('error: --no-store needs --stream <url>: the recording must go somewhere\n');
    expect(recordings.calls).toEqual([]);
  });

  it("shows the API's validation message with the flag to blame (exit 2)", async () => {
    const io = await run(['recording', 'start', 'c', '--stream', 'http://not-ws']);
    expect(io.code).toBe(2);
    expect(io.err).toBe('error: body/streamUrl must be a ws:// or wss:// URL (--stream)\n');
    const bad = await run(['recording', 'start', 'c', '--media-server', 'nope']);
    expect(bad.err).toBe('error: body/mediaServer must be host:port (--media-server)\n');
  });

  it('lists as a table and JSON, with filters passed to the service', async () => {
    expect(await ok('recording', 'list')).toBe('no recordings\n');
    await ok('recording', 'start', 'call-a');
    await ok('recording', 'start', 'call-b');
    await ok('recording', 'stop', 'rec-2');
    const rows = cells(await ok('recording', 'list'));
    expect(rows[0]).toEqual(['ID', 'CALL-ID', 'SOURCE', 'STATUS', 'STARTED', 'STOPPED', 'LEGS', 'OUTPUT']);
    expect(rows[1]).toEqual(['rec-1', 'call-a', 'media-server', 'active', expect.any(String), '2', 'files']);
    expect(rows[2]).toEqual([
      'rec-2',
      'call-b',
      'media-server',
      'stopped',
      expect.any(String),
      '2026-01-01T01:00:00.000Z',
      '2',
      'files',
    ]);
    const json = JSON.parse(
      await ok('recording', 'list', '--status', 'stopped', '--call-id', 'call-b', '--limit', '5', '--json'),
    );
    expect(json.map((r: { id: string }) => r.id)).toEqual(['rec-2']);
    expect(recordings.calls.at(-1)).toEqual({
      method: 'list',
      args: [{ status: 'stopped', callId: 'call-b', limit: 5, offset: 0 }],
    });
  });

  it('checks --limit and --status before calling the API', async () => {
    const io = await run(['recording', 'list', '--limit', '0']);
    expect(io.code).toBe(2);
    expect(io.err).toBe('error: --limit must be a whole number from 1 to 1000, not "0"\n');
    const status = await run(['recording', 'list', '--status', 'weird']);
    expect(status.code).toBe(2);
    expect(status.err).toContain("argument 'weird' is invalid");
  });

  it('gets one recording: details for people, summary plus metadata with --json', async () => {
    await ok('recording', 'start', 'call-x');
    const out = await ok('recording', 'get', 'rec-1');
    expect(out).toContain('id:      rec-1\n');
    expect(out).toContain('call id: call-x\n');
    expect(out).toContain('status:  active\n');
    const legs = cells(out.split('\n\n')[1]!);
    expect(legs).toEqual([
      ['LEG', 'LABEL', 'PARTICIPANT', 'CODECS'],
      ['0', 'caller', '0 PCMU/8000'],
      ['1', 'callee', '8 PCMA/8000'],
    ]);
    const json = JSON.parse(await ok('recording', 'get', 'rec-1', '--json'));
    expect(json).toMatchObject({
      id: 'rec-1',
      callId: 'call-x',
      metadata: { id: 'rec-1', callId: 'call-x', nested: { a: 1 } },
    });
  });

  it('stops, pauses and resumes; a wrong transition shows the conflict (exit 2)', async () => {
    await ok('recording', 'start', 'call-p');
    expect(await ok('recording', 'pause', 'rec-1')).toBe(
      'paused recording rec-1 of call call-p (paused, 2 legs, files)\n',
    );
    const conflict = await run(['recording', 'pause', 'rec-1']);
    expect(conflict.code).toBe(2);
    expect(conflict.err).toBe('error: recording rec-1 is paused\n');
    expect(await ok('recording', 'resume', 'rec-1')).toContain('resumed recording rec-1');
    const stopped = JSON.parse(await ok('recording', 'stop', 'rec-1', '--json'));
    expect(stopped).toMatchObject({ id: 'rec-1', status: 'stopped' });
  });

  it('maps 404 to the API message and a bad id to its validation message', async () => {
    const io = await run(['recording', 'get', 'rec-404']);
    expect(io.code).toBe(2);
    expect(io.err).toBe('error: no recording rec-404\n');
    const stop = await run(['recording', 'stop', 'rec-404']);
    expect(stop.err).toBe('error: no recording rec-404\n');
  });

  it('downloads the mix, a leg WAV and a leg pcap with the same bytes, to default or given names', async () => {
    await ok('recording', 'start', 'call-d');
    const mixed = randomBytes(2 * 1024 * 1024 + 17);
    const legWav = randomBytes(5000);
    const legPcap = randomBytes(3000);
    await recordings.addFile('rec-1', 'mixed', mixed);
    await recordings.addFile('rec-1', 'leg-wav', legWav, 1);
    await recordings.addFile('rec-1', 'leg-pcap', legPcap, 0);
    const cwd = mkdtempSync(join(work, 'dl-'));
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const io = await run(['recording', 'download', 'rec-1']);
      expect(io.code).toBe(0);
      expect(readFileSync(join(cwd, 'rec-1.wav')).equals(mixed)).toBe(true);
      expect(io.out).toBe('downloaded rec-1.wav (2.0 MB)\n');
      // Large: progress on stderr, ending at 100 %.
      expect(io.err).toMatch(/downloaded 2\.0 MB of 2\.0 MB \(100%\)\n$/);
      await ok('recording', 'download', 'rec-1', '--leg', '1');
      expect(readFileSync(join(cwd, 'rec-1-leg1.wav')).equals(legWav)).toBe(true);
      const json = JSON.parse(await ok('recording', 'download', 'rec-1', '--leg', '0', '--pcap', '--json'));
      expect(json).toEqual({ id: 'rec-1', file: 'rec-1-leg0.pcap', bytes: 3000, leg: 0, format: 'pcap' });
      expect(readFileSync(join(cwd, 'rec-1-leg0.pcap')).equals(legPcap)).toBe(true);
    } finally {
      process.chdir(previous);
    }
    const target = join(cwd, 'out.wav');
    const small = await run(['recording', 'download', 'rec-1', '--leg', '1', '-o', target]);
    expect(small.err).toBe('');
    expect(readFileSync(target).equals(legWav)).toBe(true);
  });

  it('reports a missing file as 404 and leaves no partial file; --pcap needs --leg', async () => {
    await ok('recording', 'start', 'call-e');
    const target = join(work, 'missing.pcap');
    const io = await run(['recording', 'download', 'rec-1', '--leg', '1', '--pcap', '-o', target]);
    expect(io.code).toBe(2);
    expect(io.err).toBe('error: recording rec-1 has no pcap of leg 1\n');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith('.part'))).toEqual([]);
    const pcap = await run(['recording', 'download', 'rec-1', '--pcap']);
    expect(pcap.code).toBe(2);
    expect(pcap.err).toBe('error: --pcap needs --leg <n>: the pcap is per leg\n');
  });

  it('deletes a stopped recording; deleting an active one shows the conflict', async () => {
    await ok('recording', 'start', 'call-del');
    const active = await run(['recording', 'delete', 'rec-1']);
    expect(active.code).toBe(2);
    expect(active.err).toBe('error: recording rec-1 is active\n');
    await ok('recording', 'stop', 'rec-1');
    expect(await ok('recording', 'delete', 'rec-1')).toBe('deleted recording rec-1\n');
    expect(recordings.recordings.has('rec-1')).toBe(false);
  });

  it('sets, lists and removes recording policies', async () => {
    expect(await ok('recording', 'policy', 'list')).toBe('no recording policies\n');
    expect(await ok('recording', 'policy', 'set', 'alice@example.com')).toBe(
      'created the recording policy of alice@example.com (files kept)\n',
    );
    expect(
      await ok(
        'recording',
        'policy',
        'set',
        'alice@example.com',
        '--no-store',
        '--stream',
        'ws://sink:9000/',
      ),
    ).toBe('replaced the recording policy of alice@example.com (no files, streamed to ws://sink:9000/)\n');
    const rows = cells(await ok('recording', 'policy', 'list'));
    expect(rows).toEqual([
      ['SUBSCRIBER', 'FILES', 'STREAM', 'CREATED'],
      ['alice@example.com', 'none', 'ws://sink:9000/', '2026-01-01T00:00:00.000Z'],
    ]);
    const json = JSON.parse(await ok('recording', 'policy', 'list', '--json'));
    expect(json).toEqual([
      {
        subscriber: 'alice@example.com',
        store: false,
        streamUrl: 'ws://sink:9000/',
        createdAt: expect.any(String),
      },
    ]);
    expect(await ok('recording', 'policy', 'remove', 'alice@example.com')).toBe(
      'removed the recording policy of alice@example.com\n',
    );
    const gone = await run(['recording', 'policy', 'remove', 'alice@example.com']);
    expect(gone.code).toBe(2);
    expect(gone.err).toBe('error: no recording policy for alice@example.com\n');
    const bad = await run(['recording', 'policy', 'set', 'not-an-aor']);
    expect(bad.err).toBe(
      'error: params/subscriber must be an address-of-record, user@domain (<subscriber>)\n',
    );
  });

  it('needs a key, named both ways, and says when the API refuses it', async () => {
    const none = await run(['recording', 'list'], { SWITCHBOARD_API_KEY: undefined });
    expect(none.code).toBe(2);
    expect(none.err).toContain('an API key is required: give --api-key <key> or set SWITCHBOARD_API_KEY');
    const wrong = await run(['recording', 'list', '--api-key', 'sb_nope_nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^error: the API refused the key \(the API key is not valid\)/);
    // The flag wins over the environment.
    const flag = await run(['recording', 'list', '--api-key', KEY], { SWITCHBOARD_API_KEY: 'bad' });
    expect(flag.code).toBe(0);
  });

  it('says when the API cannot be reached (exit 1), and refuses a URL that is not http', async () => {
    const port = await freePort();
    const io = await run(['recording', 'list', '--api-url', `http://127.0.0.1:${port}`]);
    expect(io.code).toBe(1);
    expect(io.err).toBe(
      `error: cannot reach the Switchboard API at http://127.0.0.1:${port}/: is \`switchboard start\` running? (ECONNREFUSED)\n`,
    );
    const ftp = await run(['recording', 'list', '--api-url', 'ftp://x']);
    expect(ftp.code).toBe(2);
    expect(ftp.err).toBe('error: --api-url ftp://x must be an http:// or https:// URL\n');
  });

  it("maps the service's media-server failure to exit 1 with its message", async () => {
    recordings.failNext = new RecordingError('media-server', 'rtpengine at 10.0.0.7:2223 did not answer');
    const io = await run(['recording', 'start', 'call-z']);
    expect(io.code).toBe(1);
    expect(io.err).toBe('error: the media server failed: rtpengine at 10.0.0.7:2223 did not answer\n');
  });

  it('has --help on every subcommand naming the API options', async () => {
    for (const sub of [
      ['start'],
      ['stop'],
      ['pause'],
      ['resume'],
      ['list'],
      ['get'],
      ['download'],
      ['delete'],
      ['policy', 'list'],
      ['policy', 'set'],
      ['policy', 'remove'],
    ]) {
      const io = await run(['recording', ...sub, '--help']);
      expect(io.code).toBe(0);
      expect(io.out).toContain('--api-url <url>');
      expect(io.out).toContain('SWITCHBOARD_API_KEY');
    }
  });
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('switchboard start with the API', () => {
  it('prints the API address after the SIP endpoints, so scripts know where to point the CLI', async () => {
    const io = new FakeIo();
    const base = fakeDeps().deps;
    const deps = {
      ...base,
      startNode: async (...args: Parameters<typeof base.startNode>) => ({
        ...(await base.startNode(...args)),
        api: { host: '127.0.0.1', port: 8080 },
      }),
    };
    await runCli(
      ['start', '--sip-listen', '127.0.0.1', '--sip-port', '5070', '--sip-transports', 'udp'],
      io,
      deps,
    );
    expect(io.err).toBe('listening on udp 127.0.0.1:5070\nAPI on http://127.0.0.1:8080\n');
    io.signal('SIGINT');
    expect(await io.exitedWith).toBe(0);
  });
});
