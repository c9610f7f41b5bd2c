import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fromValidationErrors } from '../../../src/api/validation.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('error responses', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  test('an unknown route is 404 in the error shape, with or without a key', async () => {
    for (const response of [
      await h.app.inject({ url: '/nowhere?x=1' }),
      await h.call({ method: 'PATCH', url: '/v1/recordings' }),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(errorOf(response).code).toBe('not-found');
    }
    expect(errorOf(await h.app.inject({ url: '/nowhere?x=1' })).message).toBe('no route GET /nowhere');
  });

  test('the body validation error names the field, as the example in the brief', async () => {
    const response = await h.call({ method: 'POST', url: '/v1/recordings', payload: { callId: '' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: { code: 'invalid', message: 'body/callId must be a non-empty string', field: 'callId' },
    });
  });

  test('bodies are not coerced: a number is not a string, "false" is not a boolean', async () => {
    const number = await h.call({ method: 'POST', url: '/v1/recordings', payload: { callId: 42 } });
    expect(errorOf(number)).toEqual({
      code: 'invalid',
      message: 'body/callId must be a string',
      field: 'callId',
    });
    const text = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      payload: { callId: 'a', store: 'false' },
    });
    expect(errorOf(text)).toEqual({
      code: 'invalid',
      message: 'body/store must be a boolean',
      field: 'store',
    });
  });

  test('nested fields are named by their path', async () => {
    const empty = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      payload: { callId: 'a', fromTags: ['x', ''] },
    });
    expect(errorOf(empty)).toEqual({
      code: 'invalid',
      message: 'body/fromTags/1 must be a non-empty string',
      field: 'fromTags/1',
    });
    const none = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      payload: { callId: 'a', fromTags: [] },
    });
    expect(errorOf(none)).toEqual({
      code: 'invalid',
      message: 'body/fromTags must have at least 1 item',
      field: 'fromTags',
    });
    const server = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      payload: { callId: 'a', mediaServer: 'x' },
    });
    expect(errorOf(server)).toEqual({
      code: 'invalid',
      message: 'body/mediaServer must be host:port',
      field: 'mediaServer',
    });
  });

  test('a missing body, bad JSON, a wrong Content-Type and a huge body are client errors', async () => {
    const missing = await h.call({ method: 'POST', url: '/v1/recordings' });
    expect(missing.statusCode).toBe(400);
    expect(errorOf(missing)).toEqual({ code: 'invalid', message: 'body must be an object' });

    const badJson = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      headers: { 'content-type': 'application/json' },
      payload: '{"callId":',
    });
    expect(badJson.statusCode).toBe(400);
    expect(errorOf(badJson).code).toBe('invalid');

    const text = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      headers: { 'content-type': 'text/plain' },
      payload: 'callId=a',
    });
    expect(text.statusCode).toBe(415);
    expect(errorOf(text).code).toBe('unsupported-media-type');

    const huge = await h.call({
      method: 'POST',
      url: '/v1/recordings',
      payload: { callId: 'x'.repeat(70_000) },
    });
    expect(huge.statusCode).toBe(413);
    expect(errorOf(huge).code).toBe('payload-too-large');
    expect(h.recordings.calls.filter((c) => c.method === 'start')).toEqual([]);
  });

  test('an unexpected exception is a generic 500, logged with its stack, never sent', async () => {
    h.recordings.failNext = new TypeError(
      'cannot read properties of undefined (reading "legs") at /srv/x.js:1',
    );
    const response = await h.call({ url: '/v1/recordings/rec-1' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal server error' } });
    expect(response.body).not.toMatch(/legs|srv|TypeError|stack/);
    const logged = h.logs.find((l) => l.msg === 'request failed') as {
      err: { message: string; stack: string };
    };
    expect(logged.err.message).toContain('reading "legs"');
    expect(logged.err.stack).toContain('TypeError');
  });

  test("another library's error carrying a 4xx statusCode is still a generic 500", async () => {
    h.recordings.failNext = Object.assign(new Error('upstream said: token abc123 rejected'), {
      statusCode: 400,
    });
    const response = await h.call({ url: '/v1/recordings' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('abc123');
  });

  test('the ajv translation unescapes JSON Pointers and falls back on ajv words', () => {
    const pointer = fromValidationErrors(
      [{ keyword: 'type', instancePath: '/a~1b/c~0d', params: { type: 'integer' }, message: 'x' }],
      'body',
    );
    expect(pointer.field).toBe('a/b/c~d');
    expect(pointer.message).toBe('body/a/b/c~d must be an integer');
    const other = fromValidationErrors(
      [
        {
          keyword: 'multipleOf',
          instancePath: '/n',
          params: { multipleOf: 2 },
          message: 'must be multiple of 2',
        },
      ],
      'querystring',
    );
    expect(other.message).toBe('query/n must be multiple of 2');
    expect(fromValidationErrors([], 'params').message).toBe('params is invalid');
  });
});
