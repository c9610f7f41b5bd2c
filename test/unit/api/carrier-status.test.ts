import { afterEach, describe, expect, test } from 'vitest';
import type { CarrierStatus } from '../../../src/api/routes/carrier-status.js';
import type { GatewayHealthStatus } from '../../../src/gateway-health/index.js';
import type { TrunkRegistrationStatus } from '../../../src/trunk-registration/index.js';
import { errorOf, type Harness, harness } from './harness.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

const gateway: GatewayHealthStatus = {
  id: 'gw-1',
  trunk: 'carrier-a',
  uri: 'sip:192.0.2.1:5060',
  state: 'down',
  since: T0,
  consecutiveFailures: 2,
  lastProbeAt: T0 + 1000,
  lastError: 'timeout',
  probes: 10,
  failures: 2,
};

const registration: TrunkRegistrationStatus = {
  trunk: 'carrier-a',
  registrar: 'sip:reg.carrier.example',
  aor: 'sip:acct@reg.carrier.example',
  contact: 'sip:acct@198.51.100.7:5060',
  state: 'registered',
  expires: 300,
  expiresAt: T0 + 300_000,
  registeredAt: T0,
  nextAttemptAt: T0 + 270_000,
  lastStatus: 200,
  failures: 0,
};

const status: CarrierStatus = {
  gateways: { list: () => [gateway], status: (id) => (id === gateway.id ? gateway : undefined) },
  registrations: {
    list: () => [registration],
    get: (trunk) => (trunk === registration.trunk ? registration : undefined),
  },
};

describe('/v1/gateway-health and /v1/trunk-registrations', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('list and show the states, times in ISO 8601', async () => {
    h = await harness({ carrierStatus: status });
    const list = await h.call({ url: '/v1/gateway-health' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([
      {
        id: 'gw-1',
        trunk: 'carrier-a',
        uri: 'sip:192.0.2.1:5060',
        state: 'down',
        since: '2026-01-01T00:00:00.000Z',
        consecutiveFailures: 2,
        lastProbeAt: '2026-01-01T00:00:01.000Z',
        lastError: 'timeout',
        probes: 10,
        failures: 2,
      },
    ]);
    expect((await h.call({ url: '/v1/gateway-health/gw-1' })).json()).toMatchObject({
      id: 'gw-1',
      state: 'down',
    });
    const registrations = await h.call({ url: '/v1/trunk-registrations' });
    expect(registrations.json()).toEqual([
      {
        ...registration,
        expiresAt: '2026-01-01T00:05:00.000Z',
        registeredAt: '2026-01-01T00:00:00.000Z',
        nextAttemptAt: '2026-01-01T00:04:30.000Z',
      },
    ]);
    expect((await h.call({ url: '/v1/trunk-registrations/carrier-a' })).json()).toMatchObject({
      state: 'registered',
      expires: 300,
    });
  });

  test('404 names what is missing; 400 for a malformed name; 401 without a key', async () => {
    h = await harness({ carrierStatus: status });
    const missing = await h.call({ url: '/v1/gateway-health/gw-9' });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 'not-found', message: 'gateway gw-9 is not probed' });
    const noTrunk = await h.call({ url: '/v1/trunk-registrations/other' });
    expect(errorOf(noTrunk).message).toBe('trunk other has no outbound registration');
    const bad = await h.call({ url: '/v1/trunk-registrations/a%20b' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).field).toBe('trunk');
    const anonymous = await h.app.inject({ url: '/v1/gateway-health' });
    expect(anonymous.statusCode).toBe(401);
  });

  test('a node without trunks lists nothing', async () => {
    h = await harness();
    expect((await h.call({ url: '/v1/gateway-health' })).json()).toEqual([]);
    expect((await h.call({ url: '/v1/trunk-registrations' })).json()).toEqual([]);
  });
});
