import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RecordingError } from '../../../src/recording/types.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('/v1/recordings', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  const start = (payload: object) => h.call({ method: 'POST', url: '/v1/recordings', payload });

  test('POST starts a recording: 201, the summary and its Location', async () => {
    const response = await start({
      callId: 'call-1@example.com',
      fromTags: ['a1', 'b2'],
      mediaServer: '127.0.0.1:2223',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ id: 'rec-1', callId: 'call-1@example.com', status: 'active', stored: true });
    expect(body.legs[0].payloadTypes['0']).toEqual({ encoding: 'PCMU', clockRate: 8000, channels: 1 });
    expect(response.headers.location).toBe('/v1/recordings/rec-1');
    // The schema's default store=true reaches the service; nothing else is added.
    expect(h.recordings.calls[0]).toEqual({
      method: 'start',
      args: [
        { callId: 'call-1@example.com', fromTags: ['a1', 'b2'], mediaServer: '127.0.0.1:2223', store: true },
      ],
    });
  });

  test('POST with streaming only needs a ws:// or wss:// URL', async () => {
    const ok = await start({
      callId: 'c',
      store: false,
      streamUrl: 'wss://consumer.example.com:8443/rec?x=1',
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ stored: false, streamUrl: 'wss://consumer.example.com:8443/rec?x=1' });

    const none = await start({ callId: 'd', store: false });
    expect(none.statusCode).toBe(400);
    expect(errorOf(none)).toEqual({
      code: 'invalid',
      message: 'body/streamUrl is required when store is false',
      field: 'streamUrl',
    });
    for (const streamUrl of ['http://x.example.com/', 'ws://', 'wss:// space', 'ftp://a']) {
      const bad = await start({ callId: 'e', streamUrl });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad)).toEqual({
        code: 'invalid',
        message: 'body/streamUrl must be a ws:// or wss:// URL',
        field: 'streamUrl',
      });
    }
  });

  test('POST maps the service errors: conflict 409, media-server 502, unavailable 503, invalid 400', async () => {
    expect((await start({ callId: 'same' })).statusCode).toBe(201);
    const again = await start({ callId: 'same' });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again)).toEqual({ code: 'conflict', message: 'call same is already being recorded' });

    const cases = [
      ['media-server', 502],
      ['unavailable', 503],
      ['invalid', 400],
      ['not-found', 404],
    ] as const;
    for (const [code, status] of cases) {
      h.recordings.failNext = new RecordingError(code, `because ${code}`);
      const response = await start({ callId: `x-${code}` });
      expect(response.statusCode).toBe(status);
      expect(errorOf(response)).toEqual({ code, message: `because ${code}` });
    }
  });

  test('GET lists with the defaults, and passes status, callId, limit and offset through', async () => {
    await start({ callId: 'a' });
    await start({ callId: 'b' });
    await h.call({ method: 'POST', url: '/v1/recordings/rec-2/stop' });

    const all = await h.call({ url: '/v1/recordings' });
    expect(all.statusCode).toBe(200);
    expect(all.json().map((r: { id: string }) => r.id)).toEqual(['rec-1', 'rec-2']);
    expect(h.recordings.calls.find((c) => c.method === 'list')?.args).toEqual([{ limit: 100, offset: 0 }]);

    const stopped = await h.call({ url: '/v1/recordings?status=stopped' });
    expect(stopped.json().map((r: { id: string }) => r.id)).toEqual(['rec-2']);
    const byCall = await h.call({ url: '/v1/recordings?callId=a&limit=1&offset=0' });
    expect(byCall.json().map((r: { id: string }) => r.id)).toEqual(['rec-1']);
    const paged = await h.call({ url: '/v1/recordings?limit=1&offset=1' });
    expect(paged.json().map((r: { id: string }) => r.id)).toEqual(['rec-2']);
    expect(h.recordings.calls.at(-1)?.args).toEqual([{ limit: 1, offset: 1 }]);
  });

  test('GET list rejects a bad query with the field at fault', async () => {
    const cases: [string, string, string][] = [
      ['limit=0', 'limit', 'query/limit must be >= 1'],
      ['limit=1001', 'limit', 'query/limit must be <= 1000'],
      ['limit=ten', 'limit', 'query/limit must be an integer'],
      ['offset=-1', 'offset', 'query/offset must be >= 0'],
      ['status=running', 'status', 'query/status must be one of: active, paused, stopped, failed'],
      ['callId=', 'callId', 'query/callId must be a non-empty string'],
      ['sort=desc', 'sort', 'query/sort is not allowed'],
    ];
    for (const [query, field, message] of cases) {
      const response = await h.call({ url: `/v1/recordings?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(errorOf(response), query).toEqual({ code: 'invalid', message, field });
    }
  });

  test('GET one: 200, or 404 in the error shape', async () => {
    await start({ callId: 'a' });
    const found = await h.call({ url: '/v1/recordings/rec-1' });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ id: 'rec-1', callId: 'a', source: 'media-server' });
    const missing = await h.call({ url: '/v1/recordings/rec-9' });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 'not-found', message: 'no recording rec-9' });
    const badId = await h.call({ url: '/v1/recordings/has%20space' });
    expect(badId.statusCode).toBe(400);
    expect(errorOf(badId).field).toBe('id');
  });

  test('stop, pause and resume return the summary, and a wrong state is 409', async () => {
    await start({ callId: 'a' });
    const pause = await h.call({ method: 'POST', url: '/v1/recordings/rec-1/pause' });
    expect(pause.statusCode).toBe(200);
    expect(pause.json().status).toBe('paused');
    const pauseAgain = await h.call({ method: 'POST', url: '/v1/recordings/rec-1/pause' });
    expect(pauseAgain.statusCode).toBe(409);
    expect(errorOf(pauseAgain)).toEqual({ code: 'conflict', message: 'recording rec-1 is paused' });
    const resume = await h.call({ method: 'POST', url: '/v1/recordings/rec-1/resume' });
    expect(resume.json().status).toBe('active');
    const stop = await h.call({ method: 'POST', url: '/v1/recordings/rec-1/stop' });
    expect(stop.statusCode).toBe(200);
    expect(stop.json()).toMatchObject({ status: 'stopped', stoppedAt: '2026-01-01T01:00:00.000Z' });
    const resumeStopped = await h.call({ method: 'POST', url: '/v1/recordings/rec-1/resume' });
    expect(resumeStopped.statusCode).toBe(409);
    for (const action of ['stop', 'pause', 'resume']) {
      const missing = await h.call({ method: 'POST', url: `/v1/recordings/rec-7/${action}` });
      expect(missing.statusCode).toBe(404);
      expect(errorOf(missing).code).toBe('not-found');
    }
  });

  test('metadata: the service document as JSON, or 404', async () => {
    await start({ callId: 'a' });
    const response = await h.call({ url: '/v1/recordings/rec-1/metadata' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      id: 'rec-1',
      callId: 'a',
      streams: [{ label: 'caller' }, { label: 'callee' }],
      nested: { a: 1 },
    });
    expect((await h.call({ url: '/v1/recordings/nope/metadata' })).statusCode).toBe(404);
  });

  test('DELETE: 204 then 404; an active recording is a conflict', async () => {
    await start({ callId: 'a' });
    const active = await h.call({ method: 'DELETE', url: '/v1/recordings/rec-1' });
    expect(active.statusCode).toBe(409);
    await h.call({ method: 'POST', url: '/v1/recordings/rec-1/stop' });
    const deleted = await h.call({ method: 'DELETE', url: '/v1/recordings/rec-1' });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const again = await h.call({ method: 'DELETE', url: '/v1/recordings/rec-1' });
    expect(again.statusCode).toBe(404);
    expect(errorOf(again)).toEqual({ code: 'not-found', message: 'no recording rec-1' });
  });
});
