import { readFile } from 'node:fs/promises';

export interface WavData {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Interleaved 16-bit samples. */
  samples: Int16Array;
}

/** Reads a whole 16-bit PCM WAV file (for tests and tools; walks the chunks, ignores unknown ones). */
export async function readWav(path: string): Promise<WavData> {
  return parseWav(await readFile(path));
}

export function parseWav(buf: Buffer): WavData {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: Omit<WavData, 'samples'> | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (buf.readUInt16LE(body) !== 1) throw new Error('not PCM');
      format = {
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
      if (format.bitsPerSample !== 16) throw new Error('only 16-bit PCM is read');
    } else if (id === 'data') {
      if (!format) throw new Error('data before fmt');
      const end = Math.min(buf.length, body + size);
      const count = Math.floor((end - body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(body + i * 2);
      return { ...format, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('no data chunk');
}
