import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('/v1/subscribers/{aor}/features and /v1/domains/{name}/features', () => {
  let h: Harness;
  let store: SqliteProvisioningStore;
  beforeEach(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    await store.addDomain('example.com');
    await store.addSubscriber({ username: 'alice', domain: 'example.com', password: 'secret' });
    h = await harness({ features: store });
  });
  afterEach(async () => {
    await h.close();
    await store.close();
  });

  test('PUT replaces, GET shows own settings and what applies, DELETE clears', async () => {
    const domain = await h.call({
      method: 'PUT',
      url: '/v1/domains/Example.com/features',
      payload: {
        forwardUnreachable: 'sip:voicemail@example.com',
        numbering: { countryCode: '49', nationalPrefix: '0' },
      },
    });
    expect(domain.statusCode, domain.body).toBe(200);
    expect(domain.json()).toEqual({
      domain: 'example.com',
      features: {
        forwardUnreachable: 'sip:voicemail@example.com',
        numbering: { countryCode: '49', nationalPrefix: '0' },
      },
    });
    const put = await h.call({
      method: 'PUT',
      url: '/v1/subscribers/alice@example.com/features',
      payload: { forwardBusy: 'sip:bob@example.com', ringTimeout: 15, barOutgoing: ['+1900*'], clir: true },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({
      subscriber: 'alice@example.com',
      features: { forwardBusy: 'sip:bob@example.com', ringTimeout: 15, barOutgoing: ['+1900*'], clir: true },
      effective: {
        forwardUnreachable: 'sip:voicemail@example.com',
        forwardBusy: 'sip:bob@example.com',
        ringTimeout: 15,
        barOutgoing: ['+1900*'],
        clir: true,
        numbering: { countryCode: '49', nationalPrefix: '0' },
      },
    });
    // PUT is a replacement: what the document leaves out is cleared.
    await h.call({
      method: 'PUT',
      url: '/v1/subscribers/alice%40example.com/features',
      payload: { clir: false },
    });
    const got = await h.call({ url: '/v1/subscribers/alice@example.com/features' });
    expect(got.json().features).toEqual({ clir: false });
    expect(
      (await h.call({ method: 'DELETE', url: '/v1/subscribers/alice@example.com/features' })).statusCode,
    ).toBe(204);
    const again = await h.call({ method: 'DELETE', url: '/v1/subscribers/alice@example.com/features' });
    expect(again.statusCode).toBe(404);
    expect((await h.call({ method: 'DELETE', url: '/v1/domains/example.com/features' })).statusCode).toBe(
      204,
    );
    expect((await h.call({ url: '/v1/domains/example.com/features' })).json().features).toEqual({});
  });

  test('refuses bad input naming the field, unknown subscribers and domains; stores nothing', async () => {
    await store.features.updateSubscriberFeatures('alice', 'example.com', { forwardBusy: 'bob' });
    const cases: Array<[object, string, string]> = [
      [{ forwardAlways: 'sip:' }, 'forwardAlways', 'body/forwardAlways "sip:": not a URI'],
      [{ forwardBusy: 'sip:example.com' }, 'forwardBusy', 'a forward goes to a user'],
      [{ ringTimeout: 0 }, 'ringTimeout', 'body/ringTimeout must be >= 1'],
      [{ ringTimeout: '20' }, 'ringTimeout', 'body/ringTimeout must be an integer'],
      [{ barIncoming: ['+1*9'] }, 'barIncoming/0', 'must be a number pattern'],
      [{ numbering: { countryCode: '49' } }, 'numbering', 'body/numbering is not allowed'],
      [{ colour: 'red' }, 'colour', 'body/colour is not allowed'],
    ];
    for (const [payload, field, message] of cases) {
      const response = await h.call({
        method: 'PUT',
        url: '/v1/subscribers/alice@example.com/features',
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorOf(response).field).toBe(field);
      expect(errorOf(response).message).toContain(message);
    }
    const domain = await h.call({
      method: 'PUT',
      url: '/v1/domains/example.com/features',
      payload: { numbering: { countryCode: '49', nationalPrefix: '0', internationalPrefix: '0' } },
    });
    expect(domain.statusCode).toBe(400);
    expect(errorOf(domain)).toMatchObject({ field: 'numbering/internationalPrefix' });
    expect((await store.features.getSubscriberFeatures('alice', 'example.com'))?.features).toEqual({
      forwardBusy: 'bob',
    });
    const nobody = await h.call({
      method: 'PUT',
      url: '/v1/subscribers/bob@example.com/features',
      payload: {},
    });
    expect(nobody.statusCode).toBe(404);
    expect(errorOf(nobody).message).toBe('subscriber bob@example.com does not exist');
    expect((await h.call({ url: '/v1/subscribers/bob@example.com/features' })).statusCode).toBe(404);
    expect((await h.call({ url: '/v1/domains/other.example/features' })).statusCode).toBe(404);
    const badName = await h.call({ url: '/v1/domains/not_a_domain!/features' });
    expect(errorOf(badName)).toMatchObject({
      field: 'name',
      message: 'params/name must be a domain name such as example.com',
    });
    const noKey = await h.app.inject({ url: '/v1/domains/example.com/features' });
    expect(noKey.statusCode).toBe(401);
  });
});
