import { afterEach, describe, expect, test } from 'vitest';
import { AllowList, EdgeGuard, ScannerDetector } from '../../../src/edge/index.js';
import { errorOf, type Harness, harness } from './harness.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function edge() {
  const clock = { t: T0 };
  const guard = new EdgeGuard({
    floodRequests: 16,
    floodWindowMs: 2000,
    floodBanMs: 300_000,
    authFailures: 10,
    authBanMs: 600_000,
    scannerBanMs: 3_600_000,
    maxSources: 100,
    scanners: new ScannerDetector([]),
    allow: new AllowList(['10.0.0.0/8']),
    now: () => clock.t,
  });
  const bans = {
    list: () => guard.list(),
    get: (a: string) => guard.get(a),
    add: (a: string, ms: number | undefined) => guard.banManually(a, ms),
    lift: (a: string) => guard.lift(a),
  };
  return { guard, bans, clock };
}

describe('/v1/bans', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('lists, adds, shows and lifts bans', async () => {
    const { guard, bans } = edge();
    h = await harness({ bans });
    guard.authenticationFailed('198.51.100.7', 10);
    const added = await h.call({
      method: 'POST',
      url: '/v1/bans',
      payload: { address: '2001:DB8::7', duration: 60 },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({
      address: '2001:db8::7',
      reason: 'manual',
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-01-01T00:01:00.000Z',
      dropped: 0,
    });
    const forever = await h.call({ method: 'POST', url: '/v1/bans', payload: { address: '192.0.2.9' } });
    expect(forever.json()).toMatchObject({ until: null });
    const list = await h.call({ url: '/v1/bans' });
    expect(list.statusCode).toBe(200);
    expect(
      (list.json() as Array<{ address: string; reason: string }>).map((b) => [b.address, b.reason]),
    ).toEqual([
      ['198.51.100.7', 'auth'],
      ['2001:db8::7', 'manual'],
      ['192.0.2.9', 'manual'],
    ]);
    expect((await h.call({ url: '/v1/bans/198.51.100.7' })).json()).toMatchObject({ reason: 'auth' });
    expect((await h.call({ method: 'DELETE', url: '/v1/bans/198.51.100.7' })).statusCode).toBe(204);
    const gone = await h.call({ method: 'DELETE', url: '/v1/bans/198.51.100.7' });
    expect(gone.statusCode).toBe(404);
    expect(errorOf(gone).message).toBe('198.51.100.7 is not banned');
    expect((await h.call({ url: '/v1/bans/198.51.100.7' })).statusCode).toBe(404);
  });

  test('refuses what is not an address, and allowed sources', async () => {
    const { bans } = edge();
    h = await harness({ bans });
    const bad = await h.call({ method: 'POST', url: '/v1/bans', payload: { address: 'example.com' } });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: 'invalid', field: 'address' });
    const negative = await h.call({
      method: 'POST',
      url: '/v1/bans',
      payload: { address: '192.0.2.1', duration: -1 },
    });
    expect(negative.statusCode).toBe(400);
    const allowed = await h.call({ method: 'POST', url: '/v1/bans', payload: { address: '10.1.1.1' } });
    expect(allowed.statusCode).toBe(409);
    expect(errorOf(allowed).message).toMatch(/allowed/);
    expect((await h.call({ url: '/v1/bans/nope' })).statusCode).toBe(400);
  });

  test('needs an API key', async () => {
    const { bans } = edge();
    h = await harness({ bans });
    expect((await h.app.inject({ url: '/v1/bans' })).statusCode).toBe(401);
  });
});
