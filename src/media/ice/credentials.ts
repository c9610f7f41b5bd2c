import { randomBytes } from 'node:crypto';

/** RFC 8839 §5.4: ice-char is ALPHA / DIGIT / "+" / "/". */
const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function iceString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ICE_CHARS[b & 63];
  return out;
}

/** Fresh local credentials: ufrag of 8 and pwd of 24 ice-chars (RFC 8839 §5.4: ≥ 4 and ≥ 22; 144 bits of password). */
export function newIceCredentials(): { ufrag: string; pwd: string } {
  return { ufrag: iceString(8), pwd: iceString(24) };
}
