/**
 * Streaming linear-interpolation resampler for one channel of 16-bit PCM. Keeps the last input
 * sample and the fractional read position between calls, so a stream cut into arbitrary chunks
 * resamples exactly as if whole. Linear interpolation is crude (images above the source Nyquist
 * are barely filtered) but fine for lining speech legs up in a two-channel file.
 */
export class LinearResampler {
  /**
   * Read position relative to the next chunk's first sample, in units of 1/outputRate input
   * samples (so it stays an exact integer); in [-outputRate, 0) it falls between the previous
   * chunk's last sample and the next chunk's first.
   */
  private position = 0;
  private previous = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {}

  get passthrough(): boolean {
    return this.inputRate === this.outputRate;
  }

  /** Resamples one chunk; output length follows the rate ratio (± one sample at chunk edges). */
  process(input: Int16Array): Int16Array {
    if (this.passthrough) return input;
    const n = input.length;
    if (n === 0) return input;
    const step = this.inputRate;
    const unit = this.outputRate;
    const last = (n - 1) * unit;
    let p = this.position;
    const count = p <= last ? Math.floor((last - p) / step) + 1 : 0;
    const out = new Int16Array(count);
    for (let k = 0; k < count; k++) {
      const i = Math.floor(p / unit);
      const frac = (p - i * unit) / unit;
      const a = i < 0 ? this.previous : input[i]!;
      const b = input[i + 1 < n ? i + 1 : n - 1]!;
      out[k] = Math.round(a + (b - a) * frac);
      p += step;
    }
    this.position = p - n * unit;
    this.previous = input[n - 1]!;
    return out;
  }
}

/** Resamples one self-contained frame (no state): for the rare mid-call codec change. */
export function resampleFrame(input: Int16Array, inputRate: number, outputRate: number): Int16Array {
  if (inputRate === outputRate || input.length === 0) return input;
  const count = Math.round((input.length * outputRate) / inputRate);
  const out = new Int16Array(count);
  const step = inputRate / outputRate;
  const last = input.length - 1;
  for (let k = 0; k < count; k++) {
    const p = k * step;
    const i = Math.min(Math.floor(p), last);
    const frac = p - i;
    const a = input[i]!;
    const b = input[i < last ? i + 1 : last]!;
    out[k] = Math.round(a + (b - a) * frac);
  }
  return out;
}
