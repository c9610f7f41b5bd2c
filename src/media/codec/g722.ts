import { type AudioDecoder, resolved } from './decoder.js';
import { allocateSamples } from './sample-slab.js';

/*
 * ITU-T G.722 (09/2012) sub-band ADPCM decoder, mode 1 (64 kbit/s: 6 bits lower band, 2 bits upper
 * band per octet). Block names in comments are the Recommendation's (§6 / Figure 19). Each octet
 * yields two 16 kHz output samples through the receive QMF (§4.4.2).
 */

// Table 6/G.722 (QM6 via INVQBL, 6-bit lower-band inverse quantizer outputs, scaled).
const QM6 = Int16Array.from([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360,
  -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688,
  -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192,
  6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432,
  -136,
]);
// QM4: the 4-bit (truncated) lower-band quantizer used for the predictor (INVQAL).
const QM4 = Int16Array.from([
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
]);
// QM2: upper-band inverse quantizer (INVQAH).
const QM2 = Int16Array.from([-7408, -1616, 7408, 1616]);
// LOGSCL: RIL → log scale factor multiplier index, and WL (Table 8).
const RL42 = Int8Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
const WL = Int16Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);
// LOGSCH: IH → WH index (Table 11).
const RH2 = Int8Array.from([2, 1, 2, 1]);
const WH = Int16Array.from([0, -214, 798]);
// SCALEL/SCALEH: ILB, the antilog table (Table 9).
const ILB = Int16Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960,
  3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);
// Receive QMF coefficients (Table 12), h0..h11 (the filter is symmetric: h(23-i) = h(i)).
const QMF = Int16Array.from([3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]);

function sat16(x: number): number {
  return x > 32767 ? 32767 : Math.max(x, -32768);
}

/**
 * Adaptive predictor state of one sub-band (blocks 4L/4H). The six-tap zero predictor is kept in
 * scalar fields and unrolled: this runs twice per octet, 16,000 times a second per stream.
 */
export class G722Band {
  /** Signal estimate S, pole part SP, zero part SZ. */
  s = 0;
  sp = 0;
  sz = 0;
  /** Reconstructed signal R(n-1), R(n-2). */
  r1 = 0;
  r2 = 0;
  /** Partial reconstructed signal P(n-1), P(n-2). */
  p1 = 0;
  p2 = 0;
  /** Pole predictor coefficients A1, A2. */
  a1 = 0;
  a2 = 0;
  /** Zero predictor: quantized differences D(n-1..n-6) and coefficients B1..B6. */
  d1 = 0;
  d2 = 0;
  d3 = 0;
  d4 = 0;
  d5 = 0;
  d6 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  b4 = 0;
  b5 = 0;
  b6 = 0;
  /** Log scale factor NB and scale factor DET. */
  nb = 0;
  det: number;

  constructor(det: number) {
    this.det = det;
  }

  /** Block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC. */
  adapt(dx: number): void {
    const r = sat16(this.s + dx);
    const p = sat16(this.sz + dx);
    // UPPOL2 (signs compared on bit 15; `0 - x` keeps integers: `-0` would turn the maths to doubles)
    let wd1 = sat16(this.a1 * 4);
    let wd2 = ((p ^ this.p1) & 0x8000) !== 0 ? wd1 : 0 - wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = (((p ^ this.p2) & 0x8000) !== 0 ? -128 : 128) + (wd2 >> 7) + ((this.a2 * 32512) >> 15);
    if (wd3 > 12288) wd3 = 12288;
    else if (wd3 < -12288) wd3 = -12288;
    const ap2 = wd3;
    // UPPOL1
    wd1 = ((p ^ this.p1) & 0x8000) !== 0 ? -192 : 192;
    wd2 = (this.a1 * 32640) >> 15;
    let ap1 = sat16(wd1 + wd2);
    wd3 = sat16(15360 - ap2);
    if (ap1 > wd3) ap1 = wd3;
    else if (ap1 < 0 - wd3) ap1 = 0 - wd3;
    // UPZERO: B(i) leaks by 32640/32768 and steps by ±128 towards sign agreement of DQ and D(i).
    const g = dx === 0 ? 0 : 128;
    const ng = 0 - g;
    const b1 = sat16((((dx ^ this.d1) & 0x8000) !== 0 ? ng : g) + ((this.b1 * 32640) >> 15));
    const b2 = sat16((((dx ^ this.d2) & 0x8000) !== 0 ? ng : g) + ((this.b2 * 32640) >> 15));
    const b3 = sat16((((dx ^ this.d3) & 0x8000) !== 0 ? ng : g) + ((this.b3 * 32640) >> 15));
    const b4 = sat16((((dx ^ this.d4) & 0x8000) !== 0 ? ng : g) + ((this.b4 * 32640) >> 15));
    const b5 = sat16((((dx ^ this.d5) & 0x8000) !== 0 ? ng : g) + ((this.b5 * 32640) >> 15));
    const b6 = sat16((((dx ^ this.d6) & 0x8000) !== 0 ? ng : g) + ((this.b6 * 32640) >> 15));
    this.b1 = b1;
    this.b2 = b2;
    this.b3 = b3;
    this.b4 = b4;
    this.b5 = b5;
    this.b6 = b6;
    // DELAYA
    const d6 = this.d5;
    const d5 = this.d4;
    const d4 = this.d3;
    const d3 = this.d2;
    const d2 = this.d1;
    const d1 = dx;
    this.d6 = d6;
    this.d5 = d5;
    this.d4 = d4;
    this.d3 = d3;
    this.d2 = d2;
    this.d1 = d1;
    this.a1 = ap1;
    this.a2 = ap2;
    this.p2 = this.p1;
    this.p1 = p;
    const r2 = this.r1;
    this.r2 = r2;
    this.r1 = r;
    // FILTEP
    this.sp = sat16(((ap1 * sat16(r + r)) >> 15) + ((ap2 * sat16(r2 + r2)) >> 15));
    // FILTEZ
    this.sz = sat16(
      ((b1 * sat16(d1 + d1)) >> 15) +
        ((b2 * sat16(d2 + d2)) >> 15) +
        ((b3 * sat16(d3 + d3)) >> 15) +
        ((b4 * sat16(d4 + d4)) >> 15) +
        ((b5 * sat16(d5 + d5)) >> 15) +
        ((b6 * sat16(d6 + d6)) >> 15),
    );
    // PREDIC
    this.s = sat16(this.sp + this.sz);
  }
}

/** LOGSCL + SCALEL (blocks 3L): lower-band scale factor adaptation from the 4-bit index. */
export function adaptLowScale(band: G722Band, ril: number): void {
  let nb = ((band.nb * 127) >> 7) + WL[RL42[ril]!]!;
  if (nb < 0) nb = 0;
  else if (nb > 18432) nb = 18432;
  band.nb = nb;
  const wd1 = (nb >> 6) & 31;
  const wd2 = 8 - (nb >> 11);
  band.det = (wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2) << 2;
}

/** LOGSCH + SCALEH (blocks 3H): upper-band scale factor adaptation. */
export function adaptHighScale(band: G722Band, ih: number): void {
  let nb = ((band.nb * 127) >> 7) + WH[RH2[ih]!]!;
  if (nb < 0) nb = 0;
  else if (nb > 22528) nb = 22528;
  band.nb = nb;
  const wd1 = (nb >> 6) & 31;
  const wd2 = 10 - (nb >> 11);
  band.det = (wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2) << 2;
}

/** The 4-bit and 2-bit inverse quantizers, exported for an encoder's local decoder. */
export const G722_QM4 = QM4;
export const G722_QM2 = QM2;
export const G722_QMF = QMF;

/** One G.722 decoding state (per stream: the decoder is stateful across packets). */
export class G722Decoder implements AudioDecoder {
  readonly encoding = 'G722';
  readonly clockRate = 8000;
  readonly sampleRate = 16000;
  readonly channels = 1;
  readonly ready = resolved;

  private readonly low = new G722Band(32);
  private readonly high = new G722Band(8);
  /**
   * Receive QMF input: 22 samples of history, then two per octet of the payload being decoded, so
   * the 24-tap window slides by index instead of shifting (the history is carried between calls).
   */
  private x = new Int32Array(22 + 2 * 160);

  decode(payload: Uint8Array): Int16Array {
    const n = payload.length;
    const out = allocateSamples(n * 2);
    const low = this.low;
    const high = this.high;
    if (this.x.length < 22 + 2 * n) {
      const grown = new Int32Array(22 + 2 * n);
      grown.set(this.x.subarray(0, 22));
      this.x = grown;
    }
    const x = this.x;
    for (let j = 0; j < n; j++) {
      const code = payload[j]!;
      const ilr = code & 0x3f;
      const ih = code >> 6;
      // Block 5L: INVQBL with the full 6-bit code, RECONS, LIMIT.
      let rlow = low.s + ((low.det * QM6[ilr]!) >> 15);
      if (rlow > 16383) rlow = 16383;
      else if (rlow < -16384) rlow = -16384;
      // Block 2L: INVQAL with the 4-bit code feeds the predictor.
      const ril = ilr >> 2;
      const dlowt = (low.det * QM4[ril]!) >> 15;
      adaptLowScale(low, ril);
      low.adapt(dlowt);
      // Block 2H/5H/6H: INVQAH, RECONS, LIMIT.
      const dhigh = (high.det * QM2[ih]!) >> 15;
      let rhigh = dhigh + high.s;
      if (rhigh > 16383) rhigh = 16383;
      else if (rhigh < -16384) rhigh = -16384;
      adaptHighScale(high, ih);
      high.adapt(dhigh);
      // Receive QMF (§4.4.2): shift two samples in, two out.
      const w = 2 * j;
      x[w + 22] = rlow + rhigh;
      x[w + 23] = rlow - rhigh;
      // QMF taps unrolled with the Table 12 coefficients (h(2i) on even, h(23-2i-1) on odd samples).
      const xout2 =
        3 * x[w + 0]! +
        -11 * x[w + 2]! +
        12 * x[w + 4]! +
        32 * x[w + 6]! +
        -210 * x[w + 8]! +
        951 * x[w + 10]! +
        3876 * x[w + 12]! +
        -805 * x[w + 14]! +
        362 * x[w + 16]! +
        -156 * x[w + 18]! +
        53 * x[w + 20]! +
        -11 * x[w + 22]!;
      const xout1 =
        -11 * x[w + 1]! +
        53 * x[w + 3]! +
        -156 * x[w + 5]! +
        362 * x[w + 7]! +
        -805 * x[w + 9]! +
        3876 * x[w + 11]! +
        951 * x[w + 13]! +
        -210 * x[w + 15]! +
        32 * x[w + 17]! +
        12 * x[w + 19]! +
        -11 * x[w + 21]! +
        3 * x[w + 23]!;
      // >> 11 rather than the Recommendation's 14-bit scaling: output is 16-bit linear PCM.
      out[2 * j] = sat16(xout1 >> 11);
      out[2 * j + 1] = sat16(xout2 >> 11);
    }
    x.copyWithin(0, 2 * n, 2 * n + 22);
    return out;
  }

  close(): void {}
}
