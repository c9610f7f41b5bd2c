import type { SipMessage } from '../message/index.js';

/** RFC 3262 option tag for reliable provisional responses. */
export const RELIABLE_PROVISIONALS = '100rel';

/** RFC 3262 §7.2: `RAck: response-num CSeq-num Method`. */
export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

function listsTag(message: SipMessage, header: string, tag: string): boolean {
  return message.getAll(header).some((value) => value.trim().toLowerCase() === tag);
}

/** Whether a message names an option tag in Require. */
export function requiresTag(message: SipMessage, tag: string): boolean {
  return listsTag(message, 'require', tag);
}

/** Whether a message names an option tag in Supported or Require. */
export function supportsTag(message: SipMessage, tag: string): boolean {
  return listsTag(message, 'supported', tag) || listsTag(message, 'require', tag);
}

/** RFC 3262 §7.1: RSeq is 1*DIGIT up to 2**32-1; undefined when absent or malformed. */
export function parseRSeq(message: SipMessage): number | undefined {
  const value = message.get('rseq')?.trim();
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const rseq = Number(value);
  return rseq >= 1 && rseq <= 0xffffffff ? rseq : undefined;
}

/** RFC 3262 §7.2; undefined when absent or malformed. */
export function parseRAck(message: SipMessage): RAck | undefined {
  const parts = message.get('rack')?.trim().split(/\s+/);
  if (parts?.length !== 3) return undefined;
  const [rseq, cseq, method] = parts as [string, string, string];
  if (!/^\d{1,10}$/.test(rseq) || !/^\d{1,10}$/.test(cseq)) return undefined;
  return { rseq: Number(rseq), cseq: Number(cseq), method: method.toUpperCase() };
}

/** RFC 3262 §4: a 1xx (above 100) the UAS sent reliably: Require: 100rel and an RSeq. */
export function isReliable(message: SipMessage): boolean {
  return requiresTag(message, RELIABLE_PROVISIONALS) && parseRSeq(message) !== undefined;
}
