import { BufferedFile, type BufferedFileOptions } from './buffered-file.js';

const HEADER_BYTES = 44;

/** A canonical 44-byte RIFF/WAVE header for 16-bit PCM (sizes as given). */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/**
 * Streams 16-bit PCM to a WAV file: a header placeholder first, samples appended as they come
 * (buffered, written asynchronously), the RIFF and data sizes patched in on close().
 */
export class WavWriter {
  private readonly file: BufferedFile;
  private frames = 0;

  constructor(
    readonly path: string,
    readonly sampleRate: number,
    readonly channels: 1 | 2,
    options: BufferedFileOptions = {},
  ) {
    this.file = new BufferedFile(path, options);
    this.file.append(wavHeader(sampleRate, channels, 0));
  }

  /** Appends samples (interleaved when stereo). */
  write(samples: Int16Array): void {
    this.frames += samples.length / this.channels;
    this.file.appendInt16(samples);
  }

  /** Appends `frames` frames of silence. */
  writeSilence(frames: number): void {
    if (frames <= 0) return;
    this.frames += frames;
    this.file.appendZeros(frames * this.channels * 2);
  }

  /** Frames (samples per channel) written so far. */
  get frameCount(): number {
    return this.frames;
  }

  get durationSeconds(): number {
    return this.frames / this.sampleRate;
  }

  get error(): Error | undefined {
    return this.file.error;
  }

  /** Patches the sizes and closes; safe to call twice; never rejects (see `error`). */
  close(): Promise<void> {
    const dataBytes = this.frames * this.channels * 2;
    return this.file.close([{ position: 0, bytes: wavHeader(this.sampleRate, this.channels, dataBytes) }]);
  }
}
