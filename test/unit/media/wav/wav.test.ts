import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, WavWriter } from '../../../../src/media/wav/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wav-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('WavWriter', () => {
  it('streams mono samples in pieces larger and smaller than its chunk, patches sizes on close', async () => {
    const path = join(dir, 'mono.wav');
    const w = new WavWriter(path, 16000, 1, { chunkBytes: 1000 });
    const all = Int16Array.from({ length: 5000 }, (_, i) => ((i * 37) % 60000) - 30000);
    w.write(all.subarray(0, 3));
    w.write(all.subarray(3, 2000));
    w.writeSilence(100);
    w.write(all.subarray(2000));
    expect(w.frameCount).toBe(5100);
    await w.close();
    await w.close(); // twice is fine
    const buf = await readFile(path);
    expect(buf.length).toBe(44 + 5100 * 2);
    expect(buf.readUInt32LE(4)).toBe(36 + 5100 * 2);
    expect(buf.readUInt32LE(40)).toBe(5100 * 2);
    const wav = await readWav(path);
    expect([wav.sampleRate, wav.channels, wav.bitsPerSample]).toEqual([16000, 1, 16]);
    const expected = new Int16Array(5100);
    expected.set(all.subarray(0, 2000));
    expected.set(all.subarray(2000), 2100);
    expect(wav.samples).toEqual(expected);
    expect(w.durationSeconds).toBeCloseTo(5100 / 16000, 9);
  });

  it('writes interleaved stereo', async () => {
    const path = join(dir, 'stereo.wav');
    const w = new WavWriter(path, 8000, 2);
    w.write(Int16Array.from([1, -1, 2, -2]));
    w.writeSilence(2);
    await w.close();
    const wav = await readWav(path);
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(8000);
    expect([...wav.samples]).toEqual([1, -1, 2, -2, 0, 0, 0, 0]);
    expect((await stat(path)).size).toBe(44 + 16);
  });

  it('reports a file it cannot create instead of throwing', async () => {
    const errors: Error[] = [];
    const w = new WavWriter(join(dir, 'missing', 'x.wav'), 8000, 1, { onError: (e) => errors.push(e) });
    w.write(new Int16Array(100000));
    await w.close();
    expect(w.error).toBeDefined();
    expect(errors).toHaveLength(1);
  });
});
