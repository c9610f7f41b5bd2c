import { readFileSync, writeFileSync } from 'node:fs';

/** 16-bit PCM mono WAV samples. */
export interface Wav {
  sampleRate: number;
  channels: number;
  /** The first channel's samples. */
  samples: Int16Array;
}

/** Writes a 16-bit mono PCM WAV with a sine tone (for baresip's aufile source). */
export function writeToneWav(path: string, frequencyHz: number, seconds: number, sampleRate = 8000): void {
  const count = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(count * 2);
  const amplitude = 8000;
  for (let i = 0; i < count; i++) {
    data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** Reads a 16-bit PCM WAV (RIFF chunks in any order; a data size of 0 or too large means "to the end"). */
export function readWav(path: string): Wav {
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF/WAVE file (${buf.length} bytes)`);
  }
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  let format = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (format !== 1 || bits !== 16) throw new Error(`${path}: format ${format}/${bits} bits, want PCM 16`);
      const end = size === 0 || body + size > buf.length ? buf.length : body + size;
      const frames = Math.floor((end - body) / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * channels);
      return { sampleRate, channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

export interface ToneReport {
  /** 20 ms frames in the file. */
  frames: number;
  /** Frames louder than -40 dBFS. */
  loudFrames: number;
  /** Loud frames whose energy is mostly (>= 70%) at the frequency asked about. */
  toneFrames: number;
  /** RMS of the whole file, in sample units (full scale 32768). */
  rms: number;
}

/**
 * Per 20 ms frame: RMS, and the share of the frame's energy at `frequencyHz` (Goertzel). A frame of
 * a pure tone at that frequency has a share near 1; silence or another tone near 0.
 */
export function toneReport(wav: Wav, frequencyHz: number): ToneReport {
  const n = Math.round(wav.sampleRate * 0.02);
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / wav.sampleRate);
  const quiet = 32768 * 10 ** (-40 / 20);
  let frames = 0;
  let loudFrames = 0;
  let toneFrames = 0;
  let total = 0;
  for (let start = 0; start + n <= wav.samples.length; start += n) {
    frames++;
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = start; i < start + n; i++) {
      const x = wav.samples[i]!;
      energy += x * x;
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    total += energy;
    if (Math.sqrt(energy / n) < quiet) continue;
    loudFrames++;
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if ((2 * power) / (n * energy) >= 0.7) toneFrames++;
  }
  return { frames, loudFrames, toneFrames, rms: Math.sqrt(total / Math.max(1, wav.samples.length)) };
}
