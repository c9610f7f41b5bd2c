import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('/v1/trunks, /v1/trunks/{name}/gateways, /v1/routes', () => {
  let h: Harness;
  let store: SqliteProvisioningStore;
  let changes: number;
  beforeEach(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    changes = 0;
    h = await harness({ trunks: { trunks: store.trunks, onChange: () => changes++ } });
  });
  afterEach(async () => {
    await h.close();
    await store.close();
  });

  test('adds a trunk, shows it without passwords, changes and clears fields, removes it', async () => {
    const added = await h.call({
      method: 'POST',
      url: '/v1/trunks',
      payload: {
        name: 'carrier-a',
        inboundCidrs: ['203.0.113.0/24'],
        inboundUsername: 'a-in',
        inboundPassword: 'in-secret',
        dispatch: 'weighted',
        prefix: '00',
        callerId: '+14155550100',
        failoverCodes: ['408', '5xx'],
        codecs: ['PCMA', 'PCMU'],
        registration: { registrar: 'sip:sip.carrier-a.example', username: 'acct', password: 'reg-secret' },
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.body).not.toContain('secret');
    expect(added.json()).toMatchObject({
      name: 'carrier-a',
      enabled: true,
      inboundPassword: '***',
      dispatch: 'weighted',
      registration: {
        registrar: 'sip:sip.carrier-a.example',
        username: 'acct',
        password: '***',
        expires: 3600,
      },
    });
    expect(changes).toBe(1);
    const patched = await h.call({
      method: 'PATCH',
      url: '/v1/trunks/carrier-a',
      payload: { callerId: null, registration: null, noReplyTimeout: 1500 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().callerId).toBeUndefined();
    expect(patched.json().registration).toBeUndefined();
    expect(patched.json().noReplyTimeout).toBe(1500);
    expect((await h.call({ url: '/v1/trunks' })).json().map((t: { name: string }) => t.name)).toEqual([
      'carrier-a',
    ]);
    expect((await h.call({ method: 'DELETE', url: '/v1/trunks/carrier-a' })).statusCode).toBe(204);
    expect((await h.call({ url: '/v1/trunks/carrier-a' })).statusCode).toBe(404);
    expect(changes).toBe(3);
  });

  test.each([
    [{ name: 'bad name' }, 'name'],
    [{ name: 't', dispatch: 'random' }, 'dispatch'],
    [{ name: 't', inboundCidrs: ['10.0.0.0/33'] }, 'inboundCidrs'],
    [{ name: 't', failoverCodes: ['486'] }, 'failoverCodes'],
    [{ name: 't', noReplyTimeout: 5 }, 'noReplyTimeout'],
    [{ name: 't', inboundUsername: 'u' }, 'inboundPassword'],
    [
      { name: 't', registration: { registrar: 'http://x', username: 'u', password: 'p' } },
      'registration/registrar',
    ],
    [{ name: 't', surprise: 1 }, undefined],
  ])('refuses %j with 400 naming the field, storing nothing', async (payload, field) => {
    const response = await h.call({ method: 'POST', url: '/v1/trunks', payload });
    expect(response.statusCode, response.body).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe('invalid');
    if (field) expect(error.field).toBe(field);
    expect(await store.trunks.listTrunks()).toEqual([]);
    expect(changes).toBe(0);
  });

  test('gateways under their trunk: add, list, change, remove; bad URI, weight, unknown trunk', async () => {
    await store.trunks.addTrunk({ name: 'carrier-a' });
    const added = await h.call({
      method: 'POST',
      url: '/v1/trunks/carrier-a/gateways',
      payload: { id: 'a1', uri: 'sip:203.0.113.5:5060', weight: 2 },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({
      id: 'a1',
      trunk: 'carrier-a',
      transport: 'udp',
      weight: 2,
      probe: true,
    });
    const patched = await h.call({
      method: 'PATCH',
      url: '/v1/trunks/carrier-a/gateways/a1',
      payload: { probe: false, priority: 3 },
    });
    expect(patched.json()).toMatchObject({ probe: false, priority: 3 });
    expect((await h.call({ url: '/v1/trunks/carrier-a/gateways' })).json()).toHaveLength(1);
    for (const [payload, status, field] of [
      [{ uri: 'sip:+44@203.0.113.9' }, 400, 'uri'],
      [{ uri: 'sip:203.0.113.9', weight: -1 }, 400, 'weight'],
      [{ uri: 'sip:203.0.113.5:5060' }, 409, undefined],
    ] as const) {
      const response = await h.call({ method: 'POST', url: '/v1/trunks/carrier-a/gateways', payload });
      expect(response.statusCode, response.body).toBe(status);
      expect(errorOf(response).field).toBe(field);
    }
    const unknown = await h.call({
      method: 'POST',
      url: '/v1/trunks/nowhere/gateways',
      payload: { uri: 'sip:x' },
    });
    expect(unknown.statusCode).toBe(404);
    expect((await h.call({ method: 'DELETE', url: '/v1/trunks/other/gateways/a1' })).statusCode).toBe(404);
    expect((await h.call({ method: 'DELETE', url: '/v1/trunks/carrier-a/gateways/a1' })).statusCode).toBe(
      204,
    );
    expect(await store.trunks.listGateways()).toEqual([]);
  });

  test('routes: add, filter, change, remove; duplicates 409, a trunk in use 409 unless force', async () => {
    await store.trunks.addTrunk({ name: 'carrier-a' });
    const added = await h.call({
      method: 'POST',
      url: '/v1/routes',
      payload: {
        id: 'uk',
        prefix: '+44',
        trunk: 'carrier-a',
        price: 0.012,
        timeBands: ['weekdays 8:00-18:00'],
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ prefix: '44', price: 0.012, timeBands: ['mon-fri 08:00-18:00'] });
    const duplicate = await h.call({
      method: 'POST',
      url: '/v1/routes',
      payload: { prefix: '44', trunk: 'carrier-a', timeBands: ['mon-fri 08:00-18:00'] },
    });
    expect(duplicate.statusCode).toBe(409);
    expect(errorOf(duplicate).message).toContain('already exists (uk)');
    const bad = await h.call({
      method: 'POST',
      url: '/v1/routes',
      payload: { prefix: '44', trunk: 'carrier-a', timeBands: ['someday'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).field).toBe('timeBands');
    expect((await h.call({ url: '/v1/routes?prefix=4' })).json()).toHaveLength(1);
    expect((await h.call({ url: '/v1/routes?trunk=other' })).json()).toHaveLength(0);
    const patched = await h.call({
      method: 'PATCH',
      url: '/v1/routes/uk',
      payload: { price: null, priority: 2 },
    });
    expect(patched.json().price).toBeUndefined();
    expect(patched.json().priority).toBe(2);
    const inUse = await h.call({ method: 'DELETE', url: '/v1/trunks/carrier-a' });
    expect(inUse.statusCode).toBe(409);
    expect(errorOf(inUse).message).toContain('still used by 1 route');
    expect((await h.call({ method: 'DELETE', url: '/v1/trunks/carrier-a?force=true' })).statusCode).toBe(204);
    expect((await h.call({ url: '/v1/routes/uk' })).statusCode).toBe(404);
  });

  test('needs an API key', async () => {
    expect((await h.app.inject({ url: '/v1/trunks' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: '/v1/routes', payload: {} })).statusCode).toBe(401);
  });
});
