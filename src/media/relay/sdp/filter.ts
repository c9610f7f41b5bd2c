import { parse, write } from 'sdp-transform';
import type { CodecPolicy } from '../types.js';
import { applyCodecPolicy, type PayloadEncoding, staticEncoding } from './codec-policy.js';
import { filterCodecs } from './rewrite.js';

/** Only the codec policy applied to an SDP (no address rewriting): a B2BUA that anchors no media. */
export function filterSdpCodecs(sdp: string, policy: CodecPolicy): string {
  const session = parse(sdp);
  for (const media of session.media) if (media.port !== 0) filterCodecs(media, policy);
  return write(session);
}

/**
 * The m= sections (0-based) that offered a codec and keep none under `policy` but
 * telephone-event: no audio could flow (RFC 3264 §6: the answerer would have to reject them).
 */
export function sectionsLeftWithoutCodec(sdp: string, policy: CodecPolicy): number[] {
  const out: number[] = [];
  parse(sdp).media.forEach((media, index) => {
    if (media.port === 0) return;
    const offered: PayloadEncoding[] = [];
    for (const text of String(media.payloads ?? '').split(' ')) {
      const payload = Number(text);
      if (text === '' || !Number.isInteger(payload)) continue;
      const encoding = media.rtp.find((r) => r.payload === payload)?.codec ?? staticEncoding(payload);
      offered.push({ payload, encoding: encoding ?? String(payload) });
    }
    const isEvent = (p: PayloadEncoding) => p.encoding.toLowerCase() === 'telephone-event';
    if (!offered.some((p) => !isEvent(p))) return;
    if (applyCodecPolicy(offered, policy).every(isEvent)) out.push(index);
  });
  return out;
}
