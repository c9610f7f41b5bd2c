import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../../src/api/index.js';
import { runCli } from '../../../src/cli/index.js';
import { AllowList, EdgeGuard, ScannerDetector } from '../../../src/edge/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { FakeRecordings } from '../api/fake-recordings.js';
import { FakeIo, fakeDeps } from './fake-io.js';
import { cells } from './store-cli.js';

const KEY = 'sb_0123456789ab_secret';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

describe('switchboard ban list|add|lift (against a real API server)', () => {
  let app: FastifyInstance;
  let url: string;
  const guard = new EdgeGuard({
    floodRequests: 16,
    floodWindowMs: 2000,
    floodBanMs: 300_000,
    authFailures: 10,
    authBanMs: 600_000,
    scannerBanMs: 3_600_000,
    maxSources: 100,
    scanners: new ScannerDetector(['friendly-scanner']),
    allow: new AllowList(['10.0.0.0/8']),
    now: () => T0,
  });

  beforeAll(async () => {
    app = createApiServer({
      recordings: new FakeRecordings('/nonexistent'),
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      apiKeys: async (key) => (key === KEY ? { id: '0123456789ab', name: 'tests' } : undefined),
      bans: {
        list: () => guard.list(),
        get: (a) => guard.get(a),
        add: (a, ms) => guard.banManually(a, ms),
        lift: (a) => guard.lift(a),
      },
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

  it('adds, lists and lifts bans; --json gives the API document', async () => {
    const empty = await run('ban', 'list');
    expect(empty.code, empty.err).toBe(0);
    expect(empty.out).toBe('no banned addresses\n');
    const added = await run('ban', 'add', '198.51.100.7', '--for', '60');
    expect(added.code, added.err).toBe(0);
    expect(added.out).toBe('banned 198.51.100.7 until 2026-01-01T00:01:00.000Z\n');
    guard.admit({
      data: Buffer.from('OPTIONS sip:x SIP/2.0\r\nUser-Agent: friendly-scanner\r\n\r\n'),
      source: { protocol: 'udp', address: '203.0.113.9', port: 5060 },
      local: { protocol: 'udp', address: '127.0.0.1', port: 5060 },
    });
    const list = await run('ban', 'list');
    const rows = cells(list.out);
    expect(rows[0]).toEqual(['ADDRESS', 'REASON', 'SINCE', 'UNTIL', 'DROPPED']);
    expect(list.out).toMatch(
      /198\.51\.100\.7\s+manual\s+2026-01-01T00:00:00\.000Z\s+2026-01-01T00:01:00\.000Z\s+0/,
    );
    expect(list.out).toMatch(/203\.0\.113\.9\s+scanner\s/);
    const json = await run('ban', 'list', '--json');
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ address: '198.51.100.7', reason: 'manual' }),
      expect.objectContaining({ address: '203.0.113.9', reason: 'scanner' }),
    ]);
    const lifted = await run('ban', 'lift', '203.0.113.9', '--json');
    expect(JSON.parse(lifted.out)).toEqual({ address: '203.0.113.9', lifted: true });
    const again = await run('ban', 'lift', '203.0.113.9');
    expect(again.code).toBe(2);
    expect(again.err).toContain('203.0.113.9 is not banned');
  });

  it('refuses bad addresses and durations before calling, and allowed sources after', async () => {
    const bad = await run('ban', 'add', 'example.com');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('<ip>: expected an IPv4 or IPv6 address');
    const duration = await run('ban', 'add', '192.0.2.1', '--for', '5m');
    expect(duration.code).toBe(2);
    expect(duration.err).toContain('--for: expected a number of seconds');
    const allowed = await run('ban', 'add', '10.0.0.1');
    expect(allowed.code).toBe(2);
    expect(allowed.err).toContain('is allowed');
  });

  it('has --help for each subcommand', async () => {
    for (const sub of ['list', 'add', 'lift']) {
      const io = new FakeIo();
      await runCli(['ban', sub, '--help'], io, fakeDeps().deps);
      expect(io.code).toBe(0);
      expect(io.out).toContain(`Usage: switchboard ban ${sub}`);
      expect(io.out).toContain('--api-key');
      expect(io.out).toContain('--json');
    }
  });
});
