import {
  type HeaderField,
  type SipMessage,
  SipParseError,
  SipRequest,
  type SipResponse,
  splitList,
} from '../message/index.js';

function required(message: SipMessage, key: string): string {
  const value = message.get(key);
  if (value === undefined) throw new SipParseError(`missing ${key} header`);
  return value;
}

/**
 * A request for the same hop as an INVITE: Request-URI, top Via only, Route set, From, Call-ID and
 * the CSeq number of the INVITE, with its own method and To. Header names are written literally:
 * this runs for every failed call and must stay cheap.
 */
function sameHopRequest(invite: SipRequest, method: string, to: string): SipRequest {
  const via = required(invite, 'via');
  const headers: HeaderField[] = [
    { name: 'Via', key: 'via', value: via.indexOf(',') < 0 ? via : (splitList(via)[0] ?? via) },
    { name: 'Max-Forwards', key: 'max-forwards', value: invite.get('max-forwards') ?? '70' },
  ];
  for (const h of invite.headers) {
    if (h.key === 'route') headers.push({ name: h.name, key: h.key, value: h.value });
  }
  headers.push(
    { name: 'From', key: 'from', value: required(invite, 'from') },
    { name: 'To', key: 'to', value: to },
    { name: 'Call-ID', key: 'call-id', value: invite.callId },
    { name: 'CSeq', key: 'cseq', value: `${invite.cseq.seq} ${method}` },
    { name: 'Content-Length', key: 'content-length', value: '0' },
  );
  return new SipRequest(method, invite.uriText, headers);
}

/**
 * RFC 3261 §17.1.1.3: the ACK an INVITE client transaction sends for a 3xx-6xx response, with the
 * To (and its tag) of the response. ACKs for 2xx are the TU's: they have their own branch.
 */
export function createAck(invite: SipRequest, response: SipResponse): SipRequest {
  return sameHopRequest(invite, 'ACK', required(response, 'to'));
}

/**
 * RFC 3261 §9.1: a CANCEL for an INVITE sent by this element. Send it with sendRequest() to the
 * INVITE's target, and only once a provisional response has arrived.
 */
export function createCancel(invite: SipRequest): SipRequest {
  return sameHopRequest(invite, 'CANCEL', required(invite, 'to'));
}
