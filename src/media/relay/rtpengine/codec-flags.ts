import { applyCodecPolicy, type PayloadEncoding } from '../sdp/codec-policy.js';
import type { CodecPolicy } from '../types.js';

/** The ng `codec` dictionary (rtpengine 10.5 README, "codec"). */
export interface NgCodecOptions {
  strip?: string[];
  offer?: string[];
}

/**
 * A CodecPolicy as rtpengine's codec options, given the encodings the SDP offers. rtpengine's
 * `offer` only reorders codecs that were stripped (alone it leaves the order as it is), so any
 * policy that changes the list becomes `strip: [all]` plus `offer:` the wanted encodings in the
 * wanted order (telephone-event among them: the policy always keeps it).
 * Returns undefined when the policy changes nothing (no `codec` key is sent).
 */
export function ngCodecOptions(
  policy: CodecPolicy | undefined,
  offered: readonly PayloadEncoding[],
): NgCodecOptions | undefined {
  if (policy === undefined) return undefined;
  const wanted = applyCodecPolicy(offered, policy);
  const same = wanted.length === offered.length && wanted.every((p, i) => p === offered[i]);
  if (same) return undefined;
  const names: string[] = [];
  for (const p of wanted) if (!names.includes(p.encoding)) names.push(p.encoding);
  return { strip: ['all'], offer: names };
}
