import { SipParseError } from './errors.js';
import { isToken, parseBoundedInt } from './scan.js';

/** RFC 3261 §8.1.1.5: the sequence number is a 32-bit unsigned integer below 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq {
  const trimmed = value.trim();
  let i = 0;
  while (i < trimmed.length && trimmed.charCodeAt(i) >= 0x30 && trimmed.charCodeAt(i) <= 0x39) i++;
  const seq = parseBoundedInt(trimmed.slice(0, i).replace(/^0+(?=\d)/, ''), MAX_CSEQ);
  if (seq === undefined) throw new SipParseError(`CSeq: invalid sequence number "${trimmed.slice(0, 20)}"`);
  if (trimmed[i] !== ' ' && trimmed[i] !== '\t') throw new SipParseError('CSeq: missing space before method');
  const method = trimmed.slice(i).trim();
  if (!isToken(method)) throw new SipParseError('CSeq: invalid method');
  return { seq, method };
}
