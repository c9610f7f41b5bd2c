import { MAGIC_COOKIE, type SipRequest, type SipResponse, type Via } from '../message/index.js';

/**
 * Transaction keys: plain strings for O(1) Map lookups. Parts are joined with a space, which no
 * token, host, Call-ID or URI contains. Each key is written by join over a reused array: one flat
 * string, where `a + ' ' + b + ...` builds a cons string per `+` and the Map lookup then copies
 * them flat (a key is built for every message a transaction sends or receives).
 */

const clientParts: [string, string, string] = ['', ' ', ''];

/** RFC 3261 §17.1.3: a response belongs to the client transaction of its top Via branch and CSeq method. */
export function clientKey(branch: string, method: string): string {
  clientParts[0] = branch;
  clientParts[2] = method;
  return joinAndClear(clientParts);
}

/** Branch, sent-by (host:port) and method, spaced. */
const serverParts: [string, string, string, string, number | string, string, string] = [
  '',
  ' ',
  '',
  ':',
  '',
  ' ',
  '',
];

/** The parts written out as one string; the string slots emptied so the array holds no message's text. */
function joinAndClear(parts: Array<string | number>): string {
  const key = parts.join('');
  for (let i = 0; i < parts.length; i += 2) parts[i] = '';
  return key;
}

/** True when the branch was made by an RFC 3261 element, so it alone identifies the transaction (§8.1.1.7). */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch?.startsWith(MAGIC_COOKIE) === true;
}

function sentBy(via: Via): string {
  return via.host.toLowerCase() + ':' + (via.port ?? '');
}

/**
 * RFC 3261 §17.2.3: the server transaction key of a request, looked up as `method` (INVITE for an
 * ACK and for the INVITE a CANCEL targets). With the magic cookie: branch, sent-by and method.
 */
export function serverKey(request: SipRequest, via: Via, method: string): string {
  const branch = via.branch;
  if (!hasMagicCookie(branch)) return legacyServerKey(request, via, method);
  serverParts[0] = branch;
  serverParts[2] = via.host.toLowerCase();
  serverParts[4] = via.port ?? '';
  serverParts[6] = method;
  return joinAndClear(serverParts);
}

/**
 * RFC 3261 §17.2.3 for RFC 2543 requests: Request-URI, From tag, Call-ID, CSeq number, top Via and
 * method, plus the To tag except for INVITE (whose ACK carries the tag of our response instead;
 * legacyAckMatches checks it). Starts with a space so it never collides with a branch key.
 * The Request-URI compares as written: retransmissions, and the ACK and CANCEL a client builds
 * from its INVITE, copy it verbatim, which keeps the lookup a single Map access.
 */
export function legacyServerKey(request: SipRequest, via: Via, method: string): string {
  const toTag = method === 'INVITE' ? '' : (request.to.tag ?? '');
  return (
    ' ' +
    method +
    ' ' +
    request.callId +
    ' ' +
    request.cseq.seq +
    ' ' +
    (request.from.tag ?? '') +
    ' ' +
    toTag +
    ' ' +
    via.transport +
    ' ' +
    sentBy(via) +
    ' ' +
    (via.branch ?? '') +
    ' ' +
    request.uriText
  );
}

export function isLegacyKey(key: string): boolean {
  return key.charCodeAt(0) === 0x20;
}

/** RFC 3261 §17.2.3: an RFC 2543 ACK matches when its To tag is the one of the response we sent. */
export function legacyAckMatches(ack: SipRequest, lastResponse: SipResponse | undefined): boolean {
  return lastResponse !== undefined && ack.to.tag === lastResponse.to.tag;
}
