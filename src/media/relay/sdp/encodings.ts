import { parse } from 'sdp-transform';
import { type PayloadEncoding, staticEncoding } from './codec-policy.js';

/** The payloads of every m= section of an SDP with their encodings, first occurrence of each name order kept. */
export function offeredEncodings(sdp: string): PayloadEncoding[] {
  const out: PayloadEncoding[] = [];
  for (const media of parse(sdp).media) {
    for (const text of String(media.payloads ?? '').split(' ')) {
      const payload = Number(text);
      if (text === '' || !Number.isInteger(payload)) continue;
      const encoding = media.rtp.find((r) => r.payload === payload)?.codec ?? staticEncoding(payload);
      if (encoding !== undefined) out.push({ payload, encoding });
    }
  }
  return out;
}
