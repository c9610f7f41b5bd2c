import { type SipMessage, SipParseError, SipRequest, SipResponse } from '../../src/sip/message/index.js';
import { checkRequest, checkResponse, MessageParseError, parseMessage } from '../../src/sip/parser/index.js';

/** Run `f`; a SipParseError is an accepted outcome, anything else (TypeError, RangeError...) is re-thrown. */
export function allowSipParseError(what: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (e instanceof SipParseError) return;
    throw new Error(`${what} threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
  }
}

/** Read everything a proxy or UA might read from a message, deeply. */
export function touch(m: SipMessage): void {
  if (m instanceof SipRequest) {
    allowSipParseError('checkRequest', () => checkRequest(m));
    allowSipParseError('uri', () => m.uri.toString());
  } else if (m instanceof SipResponse) {
    allowSipParseError('checkResponse', () => checkResponse(m));
  }
  allowSipParseError('via', () =>
    m.via.map((v) => [v.toString(), v.branch, v.rport, v.received, v.hostname]),
  );
  allowSipParseError('topVia', () => m.topVia?.branch);
  allowSipParseError('from', () => [m.from.toString(), m.from.tag, m.from.uri.toString()]);
  allowSipParseError('to', () => [m.to.toString(), m.to.tag]);
  allowSipParseError('callId', () => m.callId);
  allowSipParseError('cseq', () => m.cseq.seq);
  allowSipParseError('maxForwards', () => m.maxForwards);
  allowSipParseError('contacts', () => {
    const c = m.contacts;
    return c === '*' ? c : c.map((x) => x.toString());
  });
  allowSipParseError('routes', () => m.routes.map((r) => r.uri.toString()));
  allowSipParseError('recordRoutes', () => m.recordRoutes.map((r) => r.uri.toString()));
  for (const h of m.headers) allowSipParseError('getAll', () => m.getAll(h.name));
  m.toBuffer();
}

export interface Outcome {
  parsed?: SipRequest | SipResponse;
  error?: MessageParseError;
}

/** Parse as a datagram and as a stream message; only MessageParseError may escape parseMessage. */
export function exercise(data: Buffer): Outcome {
  let outcome: Outcome = {};
  for (const stream of [false, true]) {
    let m: SipRequest | SipResponse;
    try {
      m = parseMessage(data, { stream });
    } catch (e) {
      if (!(e instanceof MessageParseError)) {
        throw new Error(`parseMessage threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
      }
      if (e.partial) touch(e.partial);
      if (!stream) outcome = { error: e };
      continue;
    }
    touch(m);
    if (!stream) outcome = { parsed: m };
  }
  return outcome;
}
