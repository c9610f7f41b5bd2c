import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { errorOf, type Harness, harness, KEY } from './harness.js';

describe('API key authentication', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  test('a request without a key gets 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const response = await h.app.inject({ url: '/v1/recordings' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="switchboard"');
    expect(errorOf(response)).toEqual({
      code: 'unauthorized',
      message: 'an API key is required (Authorization: Bearer or X-API-Key)',
    });
    expect(h.recordings.calls).toEqual([]);
  });

  test('a wrong key gets 401 with error="invalid_token" and the service is never reached', async () => {
    for (const headers of [{ authorization: 'Bearer nope' }, { 'x-api-key': 'nope' }]) {
      const response = await h.app.inject({ url: '/v1/recordings', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="switchboard", error="invalid_token"');
      expect(errorOf(response).code).toBe('unauthorized');
    }
    expect(h.verified).toEqual(['nope', 'nope']);
    expect(h.recordings.calls).toEqual([]);
  });

  test('Authorization: Bearer is accepted, with the scheme in any case', async () => {
    for (const authorization of [`Bearer ${KEY}`, `bearer ${KEY}`, `BEARER  ${KEY} `]) {
      const response = await h.app.inject({ url: '/v1/recordings', headers: { authorization } });
      expect(response.statusCode).toBe(200);
    }
  });

  test('X-API-Key is accepted', async () => {
    const response = await h.app.inject({ url: '/v1/recording-policies', headers: { 'x-api-key': KEY } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });

  test('another Authorization scheme does not count as a key, but X-API-Key beside it does', async () => {
    const basic = { authorization: 'Basic dXNlcjpwYXNz' };
    expect((await h.app.inject({ url: '/v1/recordings', headers: basic })).statusCode).toBe(401);
    const both = await h.app.inject({ url: '/v1/recordings', headers: { ...basic, 'x-api-key': KEY } });
    expect(both.statusCode).toBe(200);
  });

  test('an absurdly long key is refused without asking the verifier', async () => {
    const response = await h.app.inject({
      url: '/v1/recordings',
      headers: { 'x-api-key': 'k'.repeat(5000) },
    });
    expect(response.statusCode).toBe(401);
    expect(h.verified).toEqual([]);
  });

  test('a verifier that throws gives a generic 500, logged, not a 401 nor a leak', async () => {
    const broken = await harness({
      apiKeys: async () => {
        throw new Error('store connection refused at /var/lib/secret.db');
      },
    });
    try {
      const response = await broken.app.inject({ url: '/v1/recordings', headers: { 'x-api-key': KEY } });
      expect(response.statusCode).toBe(500);
      expect(errorOf(response)).toEqual({ code: 'internal', message: 'internal server error' });
      expect(response.body).not.toContain('secret');
      expect(JSON.stringify(broken.logs)).toContain('store connection refused');
    } finally {
      await broken.close();
    }
  });

  test('/health and /openapi.json need no key; /metrics is open by default', async () => {
    for (const url of ['/health', '/openapi.json', '/metrics']) {
      expect((await h.app.inject({ url })).statusCode).toBe(200);
    }
    expect(h.verified).toEqual([]);
  });

  test("metricsEndpoint 'protected' puts /metrics behind a key; 'disabled' removes it", async () => {
    const guarded = await harness({ metricsEndpoint: 'protected' });
    const off = await harness({ metricsEndpoint: 'disabled' });
    try {
      expect((await guarded.app.inject({ url: '/metrics' })).statusCode).toBe(401);
      expect((await guarded.call({ url: '/metrics' })).statusCode).toBe(200);
      expect((await guarded.app.inject({ url: '/health' })).statusCode).toBe(200);
      expect((await off.call({ url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await guarded.close();
      await off.close();
    }
  });
});
