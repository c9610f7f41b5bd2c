import type { SipRequest } from '../message/index.js';

/** A refusal decided by the UAS core's request inspection (RFC 3261 §8.2). */
export interface Refusal {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
}

/** Body types we take in an INVITE or UPDATE: SDP, alone or in a multipart (RFC 3261 §13.2.1). */
export const acceptedBodyTypes = ['application/sdp', 'multipart/mixed'];

function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** §8.2.2.3: the option tags in Require that we do not support; empty when all are. */
export function unsupportedExtensions(request: SipRequest, supported: readonly string[]): string[] {
  const known = new Set(supported.map((s) => s.toLowerCase()));
  return request.getAll('require').filter((tag) => !known.has(tag.toLowerCase()));
}

/** §8.2.3: a body we cannot process → 415 with Accept. Only offer/answer carriers are checked. */
export function checkBodyType(request: SipRequest): Refusal | undefined {
  if (request.method !== 'INVITE' && request.method !== 'UPDATE') return undefined;
  if (request.body.length === 0) return undefined;
  const type = request.contentType;
  if (type !== undefined && acceptedBodyTypes.includes(mediaType(type))) return undefined;
  return { status: 415, headers: [['accept', acceptedBodyTypes.join(', ')]] };
}

/** Whether an Accept entry (`type/subtype`, `type/*`, `*\/*`) covers a media type. */
function accepts(range: string, type: string): boolean {
  const wanted = mediaType(range);
  if (wanted === '*/*' || wanted === type) return true;
  return wanted.endsWith('/*') && type.startsWith(wanted.slice(0, -1));
}

/**
 * §21.4.7: an INVITE whose Accept leaves out SDP cannot get our answer → 406. An absent Accept
 * means application/sdp (§20.1).
 */
export function checkAcceptsSdp(request: SipRequest): Refusal | undefined {
  if (request.method !== 'INVITE' || !request.has('accept')) return undefined;
  const ranges = request.getAll('accept');
  if (ranges.length === 0 || ranges.some((r) => accepts(r, 'application/sdp'))) return undefined;
  return { status: 406, headers: [['accept', 'application/sdp']] };
}
