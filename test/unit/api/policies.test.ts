import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RecordingError } from '../../../src/recording/types.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('/v1/recording-policies', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  const put = (subscriber: string, payload: object) =>
    h.call({ method: 'PUT', url: `/v1/recording-policies/${subscriber}`, payload });

  test('PUT creates (201), then replaces (200); GET lists', async () => {
    const created = await put('alice@example.com', { store: true });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      subscriber: 'alice@example.com',
      store: true,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const replaced = await put('alice@example.com', { store: false, streamUrl: 'ws://127.0.0.1:9000/x' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ store: false, streamUrl: 'ws://127.0.0.1:9000/x' });
    expect(h.recordings.calls.filter((c) => c.method === 'putPolicy').map((c) => c.args[0])).toEqual([
      { subscriber: 'alice@example.com', store: true },
      { subscriber: 'alice@example.com', store: false, streamUrl: 'ws://127.0.0.1:9000/x' },
    ]);
    await put('bob%40example.com', { store: true });
    const list = await h.call({ url: '/v1/recording-policies' });
    expect(list.statusCode).toBe(200);
    expect(list.json().map((p: { subscriber: string }) => p.subscriber)).toEqual([
      'alice@example.com',
      'bob@example.com',
    ]);
  });

  test('PUT validates the subscriber and the body precisely', async () => {
    const cases: [string, object, string, string][] = [
      ['alice', { store: true }, 'subscriber', 'params/subscriber must be an address-of-record, user@domain'],
      ['a@b.c', {}, 'store', 'body/store is required'],
      ['a@b.c', { store: 'yes' }, 'store', 'body/store must be a boolean'],
      [
        'a@b.c',
        { store: true, streamUrl: 'https://x' },
        'streamUrl',
        'body/streamUrl must be a ws:// or wss:// URL',
      ],
      ['a@b.c', { store: true, extra: 1 }, 'extra', 'body/extra is not allowed'],
      ['a@b.c', { store: false }, 'streamUrl', 'body/streamUrl is required when store is false'],
    ];
    for (const [subscriber, body, field, message] of cases) {
      const response = await put(subscriber, body);
      expect(response.statusCode, message).toBe(400);
      expect(errorOf(response)).toEqual({ code: 'invalid', message, field });
    }
    expect(h.recordings.calls.filter((c) => c.method === 'putPolicy')).toEqual([]);
  });

  test('a body that is not an object is rejected with no field', async () => {
    const response = await put('a@b.c', [true]);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toEqual({ code: 'invalid', message: 'body must be an object' });
  });

  test('DELETE: 204, then 404', async () => {
    await put('alice@example.com', { store: true });
    const deleted = await h.call({ method: 'DELETE', url: '/v1/recording-policies/alice@example.com' });
    expect(deleted.statusCode).toBe(204);
    const again = await h.call({ method: 'DELETE', url: '/v1/recording-policies/alice@example.com' });
    expect(again.statusCode).toBe(404);
    expect(errorOf(again)).toEqual({
      code: 'not-found',
      message: 'no recording policy for alice@example.com',
    });
  });

  test('a service failure on PUT maps like any other', async () => {
    h.recordings.failNext = new RecordingError('unavailable', 'the store is read-only');
    const response = await put('a@b.c', { store: true });
    expect(response.statusCode).toBe(503);
    expect(errorOf(response)).toEqual({ code: 'unavailable', message: 'the store is read-only' });
  });
});
