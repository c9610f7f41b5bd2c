/**
 * Mean opinion score from the ITU-T G.107 E-model, simplified for narrowband the way rtpengine
 * computes it (daemon/ssrc.c, mos_calc_nb, read for its formula, written anew here):
 *
 *   d  = rtt/2 + jitter                                     one-way delay estimate, ms
 *   Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)            delay impairment (H: step function)
 *   r  = 93.2 − loss%                                       (0 when loss% > 93)
 *   R  = 0.18·r² − 27.9·r + 1126.62 − Id                    a quadratic fit of R against loss
 *   MOS = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)         G.107 Annex B; 1 below R 0, 4.5 above 100
 *
 * rtpengine rounds MOS down to one decimal; so does this. Without an RTT (no RTCP) the delay
 * term uses jitter alone: rtpengine's "MOS-LQ".
 *
 * One deliberate difference: the quadratic has its minimum at loss 15.7 % (r = 77.5) and rises
 * again beyond it (rtpengine reports MOS 4.5 at 50 % loss, and at any loss over 93 %). Here the
 * loss is capped at 15.7 % in the formula, so more loss never scores better (MOS stays ~2.3).
 */
export function mosFromR(r: number): number {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.max(1, mos);
}

export interface MosInputs {
  /** Packet loss in percent, 0-100. */
  lossPercent: number;
  /** Interarrival jitter in ms. */
  jitterMs: number;
  /** Round-trip time in ms; 0 or undefined when unknown. */
  rttMs?: number;
}

/** Where 0.18·r² − 27.9·r turns: r = 27.9 / 0.36 = 77.5, i.e. loss 93.2 − 77.5 = 15.7 %. */
const LOSS_AT_MINIMUM = 93.2 - 27.9 / 0.36;

/** The E-model R factor as rtpengine's narrowband formula has it (see the file comment). */
export function rFactor({ lossPercent, jitterMs, rttMs }: MosInputs): number {
  const delay = (rttMs ?? 0) / 2 + jitterMs;
  const id = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0);
  const r = 93.2 - Math.min(Math.max(lossPercent, 0), LOSS_AT_MINIMUM);
  return 0.18 * r * r - 27.9 * r + 1126.62 - id;
}

/** MOS 1.0-4.5, rounded down to one decimal as rtpengine reports it. */
export function mos(inputs: MosInputs): number {
  return Math.floor(mosFromR(rFactor(inputs)) * 10 + 1e-9) / 10;
}
