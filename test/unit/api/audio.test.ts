import { unlink } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { errorOf, type Harness, harness } from './harness.js';

/** 1000 distinct-ish bytes, so a wrong offset shows. */
const CONTENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 256));

describe('GET /v1/recordings/:id/audio', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.recordings.start({ callId: 'a' });
    await h.recordings.addFile('rec-1', 'mixed', CONTENT, undefined, 'audio/wav');
    await h.recordings.addFile('rec-1', 'leg-wav', CONTENT.subarray(0, 300), 1, 'audio/wav');
    await h.recordings.addFile(
      'rec-1',
      'leg-pcap',
      CONTENT.subarray(0, 200),
      0,
      'application/vnd.tcpdump.pcap',
    );
    h.recordings.calls.length = 0;
  });
  afterEach(() => h.close());

  const audio = (query = '', headers: Record<string, string> = {}) =>
    h.call({ url: `/v1/recordings/rec-1/audio${query}`, headers });

  test('without a leg: the whole two-channel WAV with its type, length and Accept-Ranges', async () => {
    const response = await audio();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    expect(response.headers['content-length']).toBe('1000');
    expect(response.headers['accept-ranges']).toBe('bytes');
    expect(response.headers['content-disposition']).toBe('inline; filename="rec-1.wav"');
    expect(response.rawPayload.equals(CONTENT)).toBe(true);
    expect(h.recordings.calls).toEqual([{ method: 'file', args: ['rec-1', 'mixed', undefined] }]);
  });

  test('a leg as WAV, and as pcap with application/vnd.tcpdump.pcap', async () => {
    const wav = await audio('?leg=1');
    expect(wav.statusCode).toBe(200);
    expect(wav.rawPayload.equals(CONTENT.subarray(0, 300))).toBe(true);
    expect(wav.headers['content-disposition']).toBe('inline; filename="rec-1-leg1.wav"');
    const pcap = await audio('?leg=0&format=pcap');
    expect(pcap.statusCode).toBe(200);
    expect(pcap.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
    expect(pcap.headers['content-length']).toBe('200');
    expect(pcap.rawPayload.equals(CONTENT.subarray(0, 200))).toBe(true);
    expect(h.recordings.calls.map((c) => c.args)).toEqual([
      ['rec-1', 'leg-wav', 1],
      ['rec-1', 'leg-pcap', 0],
    ]);
  });

  test('the Content-Type falls back on the kind when the service gives none', async () => {
    await h.recordings.addFile('rec-1', 'leg-pcap', CONTENT.subarray(0, 10), 1, '');
    const response = await audio('?leg=1&format=pcap');
    expect(response.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
  });

  test('Range bytes=0-99 gives 206 with the first 100 bytes', async () => {
    const response = await audio('', { range: 'bytes=0-99' });
    expect(response.statusCode).toBe(206);
    expect(response.headers['content-range']).toBe('bytes 0-99/1000');
    expect(response.headers['content-length']).toBe('100');
    expect(response.headers['content-type']).toBe('audio/wav');
    expect(response.rawPayload.equals(CONTENT.subarray(0, 100))).toBe(true);
  });

  test('an open-ended range runs to the end; a last position past the end is clipped', async () => {
    const open = await audio('', { range: 'bytes=900-' });
    expect(open.statusCode).toBe(206);
    expect(open.headers['content-range']).toBe('bytes 900-999/1000');
    expect(open.rawPayload.equals(CONTENT.subarray(900))).toBe(true);
    const clipped = await audio('', { range: 'bytes=950-5000' });
    expect(clipped.headers['content-range']).toBe('bytes 950-999/1000');
    expect(clipped.rawPayload.length).toBe(50);
  });

  test('a suffix range gives the last N bytes, the whole file when N exceeds it', async () => {
    const tail = await audio('', { range: 'bytes=-64' });
    expect(tail.statusCode).toBe(206);
    expect(tail.headers['content-range']).toBe('bytes 936-999/1000');
    expect(tail.rawPayload.equals(CONTENT.subarray(936))).toBe(true);
    const all = await audio('', { range: 'bytes=-5000' });
    expect(all.statusCode).toBe(206);
    expect(all.headers['content-range']).toBe('bytes 0-999/1000');
  });

  test('an unsatisfiable range is 416 with Content-Range: bytes */size', async () => {
    for (const range of ['bytes=1000-', 'bytes=2000-3000', 'bytes=-0']) {
      const response = await audio('', { range });
      expect(response.statusCode, range).toBe(416);
      expect(response.headers['content-range']).toBe('bytes */1000');
      expect(errorOf(response).code).toBe('range-not-satisfiable');
    }
  });

  test('a malformed or multi-part Range is ignored: the whole file, 200', async () => {
    for (const range of ['bytes=abc', 'items=0-1', 'bytes=5-1', 'bytes=0-1,5-6']) {
      const response = await audio('', { range });
      expect(response.statusCode, range).toBe(200);
      expect(response.rawPayload.length).toBe(1000);
    }
  });

  test('If-Range with the current ETag honours the range; with another one sends the whole file', async () => {
    const etag = (await audio()).headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const same = await audio('', { range: 'bytes=0-9', 'if-range': etag });
    expect(same.statusCode).toBe(206);
    const other = await audio('', { range: 'bytes=0-9', 'if-range': '"stale"' });
    expect(other.statusCode).toBe(200);
    expect(other.rawPayload.length).toBe(1000);
  });

  test('HEAD gives the headers without a body', async () => {
    const response = await h.call({ method: 'HEAD', url: '/v1/recordings/rec-1/audio' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe('1000');
    expect(response.rawPayload.length).toBe(0);
  });

  test('404 for an unknown recording, a missing file, or a file gone from disk', async () => {
    const unknown = await h.call({ url: '/v1/recordings/rec-9/audio' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toEqual({ code: 'not-found', message: 'no recording rec-9' });
    const noLeg = await audio('?leg=5');
    expect(noLeg.statusCode).toBe(404);
    expect(errorOf(noLeg)).toEqual({ code: 'not-found', message: 'recording rec-1 has no wav of leg 5' });
    await unlink(h.recordings.files.get('rec-1/mixed/')!.path);
    const gone = await audio();
    expect(gone.statusCode).toBe(404);
    expect(errorOf(gone).code).toBe('not-found');
  });

  test('format=pcap without a leg, or an unknown format, is 400 naming the field', async () => {
    const noLeg = await audio('?format=pcap');
    expect(noLeg.statusCode).toBe(400);
    expect(errorOf(noLeg)).toEqual({
      code: 'invalid',
      message: 'query/leg is required with format=pcap',
      field: 'leg',
    });
    const mp3 = await audio('?format=mp3');
    expect(errorOf(mp3)).toEqual({
      code: 'invalid',
      message: 'query/format must be one of: wav, pcap',
      field: 'format',
    });
    const leg = await audio('?leg=-1');
    expect(errorOf(leg)).toEqual({ code: 'invalid', message: 'query/leg must be >= 0', field: 'leg' });
  });

  test('an empty file is served as 200 with length 0, and any range of it is unsatisfiable', async () => {
    await h.recordings.addFile('rec-1', 'leg-wav', Buffer.alloc(0), 0, 'audio/wav');
    const whole = await audio('?leg=0');
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-length']).toBe('0');
    const ranged = await audio('?leg=0', { range: 'bytes=-10' });
    expect(ranged.statusCode).toBe(416);
    expect(ranged.headers['content-range']).toBe('bytes */0');
  });
});
