/**
 * Header text is a binary string (one char per octet, see src/sip/message); digest values are
 * UTF-8 (RFC 3261 §25.1 allows UTF-8 in quoted-strings, RFC 7616 §4 hashes UTF-8 octets).
 * These convert at the boundary so the digest code only ever sees real strings.
 */

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Binary header text → string (UTF-8 decoded). */
export function fromWire(binary: string): string {
  return isAscii(binary) ? binary : Buffer.from(binary, 'latin1').toString('utf8');
}

/** String → binary header text (UTF-8 encoded). */
export function toWire(text: string): string {
  return isAscii(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}
