import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../../src/api/index.js';
import { runCli } from '../../../src/cli/index.js';
import type { GatewayHealthStatus } from '../../../src/gateway-health/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import type { TrunkRegistrationStatus } from '../../../src/trunk-registration/index.js';
import { FakeRecordings } from '../api/fake-recordings.js';
import { FakeIo, fakeDeps } from './fake-io.js';
import { cells } from './store-cli.js';

const KEY = 'sb_0123456789ab_secret';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

const gateways: GatewayHealthStatus[] = [
  {
    id: 'gw-a',
    trunk: 'carrier',
    uri: 'sip:192.0.2.1:5060',
    state: 'down',
    since: T0,
    consecutiveFailures: 2,
    lastProbeAt: T0 + 1000,
    lastError: 'timeout',
    probes: 9,
    failures: 2,
  },
  {
    id: 'gw-b',
    trunk: 'carrier',
    uri: 'sip:192.0.2.2:5060',
    state: 'up',
    since: T0,
    consecutiveFailures: 0,
    probes: 9,
    failures: 0,
  },
];
const registrations: TrunkRegistrationStatus[] = [
  {
    trunk: 'carrier',
    registrar: 'sip:reg.carrier.example',
    aor: 'sip:acct@reg.carrier.example',
    contact: 'sip:acct@198.51.100.7:5060',
    state: 'registered',
    expires: 300,
    expiresAt: T0 + 300_000,
    registeredAt: T0,
    nextAttemptAt: T0 + 270_000,
    failures: 0,
  },
];

describe('switchboard gateway status / trunk status (against a real API server)', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = createApiServer({
      recordings: new FakeRecordings('/nonexistent'),
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      apiKeys: async (key) => (key === KEY ? { id: '0123456789ab', name: 'tests' } : undefined),
      carrierStatus: {
        gateways: { list: () => gateways, status: (id) => gateways.find((g) => g.id === id) },
        registrations: { list: () => registrations, get: (t) => registrations.find((r) => r.trunk === t) },
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

  it('gateway status lists each probed gateway with its state, and --json the API document', async () => {
    const io = await run('gateway', 'status');
    expect(io.code, io.err).toBe(0);
    const rows = cells(io.out);
    expect(rows[0]).toEqual([
      'GATEWAY',
      'TRUNK',
      'URI',
      'STATE',
      'SINCE',
      'LAST PROBE',
      'FAILED IN A ROW',
      'PROBES',
      'LAST ERROR',
    ]);
    expect(io.out).toMatch(
      /gw-a\s+carrier\s+sip:192\.0\.2\.1:5060\s+down\s+2026-01-01T00:00:00\.000Z\s+2026-01-01T00:00:01\.000Z\s+2\s+9 \(2 failed\)\s+timeout/,
    );
    expect(io.out).toMatch(/gw-b\s+carrier\s+sip:192\.0\.2\.2:5060\s+up\s/);
    const one = await run('gateway', 'status', 'gw-a', '--json');
    expect(JSON.parse(one.out)).toMatchObject({ id: 'gw-a', state: 'down', lastError: 'timeout' });
  });

  it('trunk status shows the registration; an unknown trunk is an error naming it', async () => {
    const io = await run('trunk', 'status');
    expect(io.code, io.err).toBe(0);
    expect(io.out).toMatch(
      /carrier\s+registered\s+sip:reg\.carrier\.example\s+sip:acct@reg\.carrier\.example\s+2026-01-01T00:05:00\.000Z\s+2026-01-01T00:04:30\.000Z/,
    );
    const json = await run('trunk', 'status', '--json');
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ trunk: 'carrier', expires: 300 })]);
    const missing = await run('trunk', 'status', 'other');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('trunk other has no outbound registration');
  });

  it('both have --help naming the running node and the API key', async () => {
    for (const command of ['gateway', 'trunk']) {
      const io = new FakeIo();
      await runCli([command, 'status', '--help'], io, fakeDeps().deps);
      expect(io.code).toBe(0);
      expect(io.out).toContain('--api-key');
      expect(io.out).toContain('running node');
    }
  });
});
