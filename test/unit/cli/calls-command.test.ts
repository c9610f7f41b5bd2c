import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallControl, createApiServer } from '../../../src/api/index.js';
import type { LiveCall } from '../../../src/b2bua/index.js';
import { runCli } from '../../../src/cli/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { FakeRecordings } from '../api/fake-recordings.js';
import { FakeIo, fakeDeps } from './fake-io.js';
import { cells } from './store-cli.js';

const KEY = 'sb_0123456789ab_secret';
const ID = '3f2a6c1e-4b0d-4c55-9d1e-2f3a4b5c6d7e';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const RINGING: LiveCall = {
  id: ID,
  caller: 'sip:alice@example.com',
  callee: 'sip:bob@example.com',
  state: 'ringing',
  setupAt: T0,
  ringingAt: T0 + 1000,
  sourceTrunk: 'carrier-in',
  legs: [
    { side: 'caller', callId: 'a-1@198.51.100.7', state: 'early' },
    { side: 'callee', callId: 'b-1', state: 'early' },
  ],
};

describe('switchboard calls [list] | calls hangup (against a real API server)', () => {
  let app: FastifyInstance;
  let url: string;
  const hungUp: string[] = [];
  const calls: CallControl = {
    list: () => [RINGING],
    get: (id) => (id === ID ? RINGING : undefined),
    hangUp: (id) => {
      if (id !== ID) return undefined;
      hungUp.push(id);
      return RINGING;
    },
  };

  beforeAll(async () => {
    app = createApiServer({
      recordings: new FakeRecordings('/nonexistent'),
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      apiKeys: async (key) => (key === KEY ? { id: '0123456789ab', name: 'tests' } : undefined),
      calls,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(() => app.close());

  async function run(...argv: string[]): Promise<FakeIo> {
    const io = new FakeIo({ SWITCHBOARD_API_URL: url, SWITCHBOARD_API_KEY: KEY });
    await runCli(argv, io, fakeDeps().deps);
    await io.exitedWith;
    return io;
  }

  it('lists the calls with their legs as a table; `calls` alone lists too', async () => {
    for (const argv of [['calls'], ['calls', 'list']]) {
      const io = await run(...argv);
      expect(io.code, io.err).toBe(0);
      const rows = cells(io.out);
      expect(rows[0]).toEqual([
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
      ]);
      expect(rows[1]).toEqual([
        ID,
        'ringing',
        'sip:alice@example.com',
        'sip:bob@example.com',
        'carrier-in',
        '2026-01-01T12:00:00.000Z',
        '-',
        'direct',
        'early a-1@198.51.100.7',
        'early b-1',
      ]);
    }
  });

  it('--json gives the API document, with or without `list`', async () => {
    for (const argv of [
      ['calls', '--json'],
      ['calls', 'list', '--json'],
    ]) {
      const io = await run(...argv);
      expect(io.code, io.err).toBe(0);
      expect(JSON.parse(io.out)).toEqual([
        expect.objectContaining({ id: ID, state: 'ringing', ringingAt: '2026-01-01T12:00:01.000Z' }),
      ]);
    }
  });

  it('hangs a call up through the API', async () => {
    const io = await run('calls', 'hangup', ID);
    expect(io.code, io.err).toBe(0);
    expect(io.out).toBe(
      `hanging up call ${ID} (sip:alice@example.com → sip:bob@example.com): CANCEL sent to the callee, 480 to the caller\n`,
    );
    expect(hungUp).toEqual([ID]);
  });

  it('refuses a malformed id before asking, and says so for an unknown one (exit 2)', async () => {
    const bad = await run('calls', 'hangup', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      'error: <id>: expected a call id such as 0b6e2c1e-4a0f-4c55-9d1e-2f3a4b5c6d7e, got "nope"\n',
    );
    const unknown = await run('calls', 'hangup', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(
      'error: no call 00000000-0000-4000-8000-000000000000 in progress on this node (ended calls: GET /v1/cdrs/00000000-0000-4000-8000-000000000000)\n',
    );
    expect(hungUp).toEqual([ID]);
  });

  it('without a key: a usage error naming the flag and variable', async () => {
    const io = new FakeIo({ SWITCHBOARD_API_URL: url });
    await runCli(['calls'], io, fakeDeps().deps);
    await io.exitedWith;
    expect(io.code).toBe(2);
    expect(io.err).toContain('an API key is required: give --api-key <key> or set SWITCHBOARD_API_KEY');
  });
});
