import { SipParseError } from './errors.js';
import { isTokenChar, isTrimmed } from './scan.js';

/** RFC 3261 §8.1.1.5: the sequence number is a 32-bit unsigned integer below 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export interface CSeq {
  seq: number;
  method: string;
}

/** The usual methods as shared strings, not a copy cut from each message. */
const knownMethods = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'PRACK', 'UPDATE'];

function method(s: string, start: number, end: number): string {
  for (const known of knownMethods) {
    if (known.length === end - start && s.startsWith(known, start)) return known;
  }
  return s.slice(start, end);
}

/** `CSeq: 4711 INVITE` (RFC 3261 §20.16), read in place: no trimmed copy, no digit string. */
export function parseCSeq(value: string): CSeq {
  let start = 0;
  let end = value.length;
  while (start < end && isTrimmed(value.charCodeAt(start))) start++;
  while (end > start && isTrimmed(value.charCodeAt(end - 1))) end--;
  let i = start;
  while (i < end && value.charCodeAt(i) === 0x30) i++;
  if (i === end || value.charCodeAt(i) < 0x30 || value.charCodeAt(i) > 0x39) {
    if (i > start) i--; // leading zeros only ("0"): the last one is the number
  }
  // Past the leading zeros (all but a last digit): at most 10 digits, at most MAX_CSEQ.
  const digits = i;
  let seq = 0;
  while (i < end && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) {
    if (i - digits < 10) seq = seq * 10 + value.charCodeAt(i) - 0x30;
    i++;
  }
  if (i === digits || i - digits > 10 || seq > MAX_CSEQ)
    throw new SipParseError(
      `CSeq: invalid sequence number "${value.slice(start, Math.min(end, start + 20))}"`,
    );
  const c = value.charCodeAt(i);
  if (i >= end || (c !== 0x20 && c !== 0x09)) throw new SipParseError('CSeq: missing space before method');
  while (i < end && isTrimmed(value.charCodeAt(i))) i++;
  for (let j = i; j < end; j++) {
    if (!isTokenChar(value.charCodeAt(j))) throw new SipParseError('CSeq: invalid method');
  }
  if (i === end) throw new SipParseError('CSeq: invalid method');
  return { seq, method: method(value, i, end) };
}
