import type { HeaderField } from './header-field.js';
import { type SipRequest, SipResponse } from './message.js';
import { parseNameAddress } from './name-address.js';
import { randomToken } from './random-token.js';
import { reasonPhrase } from './reason-phrases.js';

/** Headers a response copies from its request (RFC 3261 §8.2.6.2). */
const copied = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'record-route']);

/**
 * Build a response to `request`: Via, From, To, Call-ID, CSeq copied (raw text kept), Record-Route
 * for 18x/2xx to dialog-creating requests left to the caller, and a To tag added for everything but
 * 100 when the To has none (RFC 3261 §8.2.6.2). Works on requests whose other headers are malformed.
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason = reasonPhrase(status),
  toTag?: string,
): SipResponse {
  const headers: HeaderField[] = [];
  for (const h of request.headers) {
    if (!copied.has(h.key) || h.key === 'record-route') continue;
    if (h.key === 'to' && status > 100) {
      headers.push({ name: h.name, key: h.key, value: withToTag(h.value, toTag) });
    } else {
      // Fields are never changed in place, so one without a raw spelling is shared, not copied.
      headers.push(h.raw === undefined ? h : { name: h.name, key: h.key, value: h.value });
    }
  }
  return new SipResponse(status, reason, headers);
}

function withToTag(value: string, toTag: string | undefined): string {
  // Cheap check first; a full parse tells whether `tag` is among the header parameters.
  if (/;\s*tag\s*=/i.test(value)) {
    try {
      if (parseNameAddress(value).tag !== undefined) return value;
    } catch {
      return value; // malformed: leave it as the request had it
    }
  }
  return `${value};tag=${toTag ?? randomToken()}`;
}
