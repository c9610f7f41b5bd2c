import type { WavWriter } from '../../media/wav/index.js';

const ZEROS = new Int16Array(16000);

/**
 * Interleaves two mono streams on a common timeline into a two-channel WAV, writing as soon as
 * both channels have a frame. A channel that falls more than `maxLagFrames` behind the other (its
 * leg is silent, on hold, or gone) is padded with silence, so memory stays bounded; samples that
 * later arrive for padded time are dropped from the mix (the leg's own file still has them).
 */
export class StereoMixer {
  private readonly queues: [Int16Array[], Int16Array[]] = [[], []];
  /** Offset into each queue's first chunk. */
  private readonly heads = [0, 0];
  private readonly queued = [0, 0];
  /** Frames each channel must drop from its next input: already filled by padding. */
  private readonly skip = [0, 0];
  private scratch = new Int16Array(2048);
  /** Frames written to the file. */
  written = 0;

  constructor(
    private readonly wav: WavWriter,
    private readonly maxLagFrames: number,
  ) {}

  /** Appends samples to a channel (0 left, 1 right) at its current end. */
  push(channel: 0 | 1, samples: Int16Array): void {
    let input = samples;
    const skip = this.skip[channel]!;
    if (skip > 0) {
      const drop = Math.min(skip, input.length);
      this.skip[channel] = skip - drop;
      input = input.subarray(drop);
    }
    if (input.length === 0) return;
    this.queues[channel].push(input);
    this.queued[channel]! += input.length;
    const other = channel === 0 ? 1 : 0;
    const ahead = this.queued[channel]! - this.queued[other]!;
    if (ahead > this.maxLagFrames) this.pad(other, ahead - this.maxLagFrames);
    this.flush();
  }

  /** Appends `frames` of silence to a channel. */
  pushSilence(channel: 0 | 1, frames: number): void {
    let left = frames;
    while (left > 0) {
      const take = Math.min(left, ZEROS.length);
      this.push(channel, ZEROS.subarray(0, take));
      left -= take;
    }
  }

  /** Pads the shorter channel to the longer one and writes everything. */
  finish(): void {
    const diff = this.queued[0]! - this.queued[1]!;
    if (diff > 0) this.pad(1, diff);
    else if (diff < 0) this.pad(0, -diff);
    this.flush();
  }

  private pad(channel: 0 | 1, frames: number): void {
    this.skip[channel]! += frames;
    let left = frames;
    while (left > 0) {
      const take = Math.min(left, ZEROS.length);
      this.queues[channel].push(ZEROS.subarray(0, take));
      left -= take;
    }
    this.queued[channel]! += frames;
  }

  private flush(): void {
    const n = Math.min(this.queued[0]!, this.queued[1]!);
    if (n === 0) return;
    if (this.scratch.length < n * 2) this.scratch = new Int16Array(n * 2);
    const out = this.scratch;
    this.take(0, n, out);
    this.take(1, n, out);
    this.wav.write(out.subarray(0, n * 2));
    this.written += n;
  }

  /** Moves n frames of a channel's queue into the interleaved buffer. */
  private take(channel: 0 | 1, n: number, out: Int16Array): void {
    const queue = this.queues[channel];
    let head = this.heads[channel]!;
    let k = channel;
    let left = n;
    while (left > 0) {
      const chunk = queue[0]!;
      const take = Math.min(left, chunk.length - head);
      for (let i = 0; i < take; i++, k += 2) out[k] = chunk[head + i]!;
      head += take;
      left -= take;
      if (head === chunk.length) {
        queue.shift();
        head = 0;
      }
    }
    this.heads[channel] = head;
    this.queued[channel]! -= n;
  }
}
