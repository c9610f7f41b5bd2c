import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUTH, type Harness, harness } from './harness.js';

describe('over a real socket', () => {
  let h: Harness;
  let base: string;
  const content = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));

  beforeAll(async () => {
    h = await harness();
    await h.recordings.start({ callId: 'net' });
    await h.recordings.addFile('rec-1', 'mixed', content, undefined, 'audio/wav');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => h.close());

  test('health, auth and a JSON round trip', async () => {
    const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const denied = await fetch(`${base}/v1/recordings`, { signal: AbortSignal.timeout(5000) });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="switchboard"');

    const created = await fetch(`${base}/v1/recordings`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ callId: 'second' }),
      signal: AbortSignal.timeout(5000),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/recordings/rec-2');
  });

  test('streams the audio and answers a range request', async () => {
    const whole = await fetch(`${base}/v1/recordings/rec-1/audio`, {
      headers: AUTH,
      signal: AbortSignal.timeout(5000),
    });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe('4096');
    expect(Buffer.from(await whole.arrayBuffer()).equals(content)).toBe(true);

    const part = await fetch(`${base}/v1/recordings/rec-1/audio`, {
      headers: { ...AUTH, range: 'bytes=1000-1999' },
      signal: AbortSignal.timeout(5000),
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/4096');
    expect(Buffer.from(await part.arrayBuffer()).equals(content.subarray(1000, 2000))).toBe(true);
  });
});
