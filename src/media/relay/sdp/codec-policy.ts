import type { CodecPolicy } from '../types.js';

/** One payload type of an m= line and the encoding it names. */
export interface PayloadEncoding {
  payload: number;
  /** Encoding name as written (rtpmap) or from the static table, e.g. `PCMU`, `opus`. */
  encoding: string;
}

/** RFC 3551 §6 static payload types (audio), for m= lines without a=rtpmap. */
const STATIC_ENCODINGS: Record<number, string> = {
  0: 'PCMU',
  3: 'GSM',
  4: 'G723',
  5: 'DVI4',
  6: 'DVI4',
  7: 'LPC',
  8: 'PCMA',
  9: 'G722',
  10: 'L16',
  11: 'L16',
  12: 'QCELP',
  13: 'CN',
  14: 'MPA',
  15: 'G728',
  16: 'DVI4',
  17: 'DVI4',
  18: 'G729',
};

export function staticEncoding(payload: number): string | undefined {
  return STATIC_ENCODINGS[payload];
}

const isEvent = (encoding: string) => encoding.toLowerCase() === 'telephone-event';

/**
 * The payloads a CodecPolicy keeps, in the order it wants: `allow` keeps only the named encodings,
 * `strip` removes named ones, `order` moves named ones to the front (in its order; the rest keep
 * theirs). telephone-event (RFC 4733) is always kept. Names compare case-insensitively.
 */
export function applyCodecPolicy(
  offered: readonly PayloadEncoding[],
  policy: CodecPolicy | undefined,
): PayloadEncoding[] {
  if (policy === undefined) return [...offered];
  const lower = (names: readonly string[] | undefined) =>
    names === undefined ? undefined : new Set(names.map((n) => n.toLowerCase()));
  const allow = lower(policy.allow);
  const strip = lower(policy.strip) ?? new Set<string>();
  const kept = offered.filter((p) => {
    if (isEvent(p.encoding)) return true;
    const name = p.encoding.toLowerCase();
    return (allow === undefined || allow.has(name)) && !strip.has(name);
  });
  const order = (policy.order ?? []).map((n) => n.toLowerCase());
  const rank = (p: PayloadEncoding) => {
    const at = order.indexOf(p.encoding.toLowerCase());
    return at < 0 ? order.length : at;
  };
  // Array.prototype.sort is stable: equal ranks keep the offered order.
  return kept.sort((a, b) => rank(a) - rank(b));
}
