// A G.722 64 kbit/s encoder (ITU-T G.722 §3: transmit QMF, QUANTL/QUANTH) for round-trip tests of
// the decoder. It shares the decoder's block 3/4 adaptation, which is identical on both sides.
import {
  adaptHighScale,
  adaptLowScale,
  G722_QM2,
  G722_QM4,
  G722_QMF,
  G722Band,
} from '../../../../src/media/codec/g722.js';

// QUANTL decision levels (Table 5, Q6) and the output codes for negative/positive differences.
const Q6 = [
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219,
  1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
];
const ILN = [
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7,
  6, 5, 4, 0,
];
const ILP = [
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36,
  35, 34, 33, 32, 0,
];
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];

function sat16(x: number): number {
  return x > 32767 ? 32767 : Math.max(x, -32768);
}

export class G722Encoder {
  private readonly low = new G722Band(32);
  private readonly high = new G722Band(8);
  private readonly x = new Int32Array(24);

  /** 16 kHz PCM (even length) → one octet per two samples. */
  encode(pcm: Int16Array): Uint8Array {
    const out = new Uint8Array(pcm.length >> 1);
    const { low, high, x } = this;
    for (let j = 0; j < out.length; j++) {
      x.copyWithin(0, 2);
      x[22] = pcm[2 * j]!;
      x[23] = pcm[2 * j + 1]!;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[2 * i]! * G722_QMF[i]!;
        sumEven += x[2 * i + 1]! * G722_QMF[11 - i]!;
      }
      const xlow = (sumEven + sumOdd) >> 14;
      const xhigh = (sumEven - sumOdd) >> 14;
      // Lower band: SUBTRA, QUANTL.
      const el = sat16(xlow - low.s);
      const wd = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) {
        if (wd < (Q6[i]! * low.det) >> 12) break;
      }
      const ilow = el < 0 ? ILN[i]! : ILP[i]!;
      const ril = ilow >> 2;
      const dlow = (low.det * G722_QM4[ril]!) >> 15;
      adaptLowScale(low, ril);
      low.adapt(dlow);
      // Upper band: SUBTRA, QUANTH.
      const eh = sat16(xhigh - high.s);
      const wdh = eh >= 0 ? eh : -(eh + 1);
      const mih = wdh >= (564 * high.det) >> 12 ? 2 : 1;
      const ihigh = eh < 0 ? IHN[mih]! : IHP[mih]!;
      const dhigh = (high.det * G722_QM2[ihigh]!) >> 15;
      adaptHighScale(high, ihigh);
      high.adapt(dhigh);
      out[j] = (ihigh << 6) | ilow;
    }
    return out;
  }
}
