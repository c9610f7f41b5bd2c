import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('/v1/…/call-policy', () => {
  let h: Harness;
  let store: SqliteProvisioningStore;
  beforeAll(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    await store.addDomain('example.com');
    await store.addSubscriber({ username: 'alice', domain: 'example.com', password: 'secret' });
    await store.trunks.addTrunk({ name: 'carrier' });
    await store.cdrs.addCdr({
      id: 'call-1',
      callerCallId: 'a',
      calleeCallId: 'b',
      caller: 'sip:alice@example.com',
      callee: 'sip:bob@example.com',
      setupAt: new Date(Date.UTC(2026, 0, 1)),
      endAt: new Date(Date.UTC(2026, 0, 1, 0, 1)),
      duration: 60,
      billableSeconds: 58,
      status: 200,
      cause: 16,
      hangup: 'caller',
      disposition: 'answered',
      recordingId: 'rec-1',
    });
    h = await harness({ callPolicies: store.callPolicies, cdrs: store.cdrs });
  });
  afterAll(async () => {
    await h.close();
    await store.close();
  });

  test('needs an API key', async () => {
    expect((await h.app.inject({ url: '/v1/call-policies' })).statusCode).toBe(401);
  });

  test('sets, reads, lists and removes the policy of a subscriber, a domain and a trunk', async () => {
    const put = await h.call({
      method: 'PUT',
      url: '/v1/subscribers/alice@example.com/call-policy',
      payload: { b2bua: 'always', maxCalls: 2, codecs: { allow: ['PCMA'], ptime: 20 } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      scope: 'subscriber',
      name: 'alice@example.com',
      policy: { b2bua: 'always', maxCalls: 2, codecs: { allow: ['PCMA'], ptime: 20 } },
    });
    expect(
      (
        await h.call({
          method: 'PUT',
          url: '/v1/domains/example.com/call-policy',
          payload: { b2bua: 'nat', srtp: 'sdes' },
        })
      ).json().policy,
    ).toEqual({ b2bua: 'nat', srtp: 'sdes' });
    const badSrtp = await h.call({
      method: 'PUT',
      url: '/v1/domains/example.com/call-policy',
      payload: { srtp: 'dtls' },
    });
    expect(badSrtp.statusCode).toBe(400);
    expect(badSrtp.body).toContain('srtp');
    expect(
      (
        await h.call({
          method: 'PUT',
          url: '/v1/trunks/carrier/call-policy',
          payload: { maxCallRate: 5, codecs: { strip: ['G729'] } },
        })
      ).json().policy,
    ).toEqual({ maxCallRate: 5, codecs: { strip: ['G729'] } });
    const got = await h.call({ url: '/v1/trunks/carrier/call-policy' });
    expect(got.json().policy).toEqual({ maxCallRate: 5, codecs: { strip: ['G729'] } });
    const all = (await h.call({ url: '/v1/call-policies' })).json();
    expect(all.map((p: { scope: string }) => p.scope)).toEqual(['subscriber', 'domain', 'trunk']);
    expect((await h.call({ url: '/v1/call-policies?scope=domain' })).json()).toHaveLength(1);
    expect((await h.call({ method: 'DELETE', url: '/v1/domains/example.com/call-policy' })).statusCode).toBe(
      204,
    );
    expect((await h.call({ url: '/v1/domains/example.com/call-policy' })).statusCode).toBe(404);
  });

  test('answers 400 naming the field, 404 for someone who does not exist', async () => {
    const bad = await h.call({
      method: 'PUT',
      url: '/v1/subscribers/alice@example.com/call-policy',
      payload: { b2bua: 'sometimes' },
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toContain('b2bua');
    const event = await h.call({
      method: 'PUT',
      url: '/v1/subscribers/alice@example.com/call-policy',
      payload: { codecs: { strip: ['telephone-event'] } },
    });
    expect(event.statusCode).toBe(400);
    expect(errorOf(event)).toMatchObject({ field: 'codecs.strip' });
    expect(errorOf(event).message).toContain('telephone-event is always kept');
    const ghost = await h.call({ method: 'PUT', url: '/v1/trunks/ghost/call-policy', payload: {} });
    expect(ghost.statusCode).toBe(404);
  });

  test('the CDR names its recording', async () => {
    expect((await h.call({ url: '/v1/cdrs/call-1' })).json()).toMatchObject({ recordingId: 'rec-1' });
  });

  test('is in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/call-policies',
        '/v1/subscribers/{subscriber}/call-policy',
        '/v1/domains/{name}/call-policy',
        '/v1/trunks/{name}/call-policy',
      ]),
    );
    expect(doc.components.schemas.CallPolicy.properties.b2bua.enum).toEqual([
      'always',
      'never',
      'nat',
      'inherit',
    ]);
  });
});
