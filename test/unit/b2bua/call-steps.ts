import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { type FakeClientTransaction, request } from '../ua/fakes.js';
import { CALLER, callerAck, type Harness, SDP_B, settle } from './harness.js';

// What the far ends do in a call the harness's B2BUA has taken: the callee answers, the caller
// ACKs, either side answers what the B2BUA sends it, the caller gives up.

/**
 * The peer's answer to a request the B2BUA sent it (an in-dialog BYE, re-INVITE, PRACK, UPDATE...):
 * the request's Via, From, To, Call-ID and CSeq, bob's Contact, and an SDP body if given.
 */
export function respondTo(
  sent: FakeClientTransaction,
  status: number,
  options: { body?: string; extra?: string } = {},
): void {
  const body = options.body ?? '';
  const response = request(`SIP/2.0 ${status} X
Via: ${sent.request.get('via')}
From: ${sent.request.get('from')}
To: ${sent.request.get('to')}
Call-ID: ${sent.request.callId}
CSeq: ${sent.request.get('cseq')}
Contact: <sip:bob@192.0.2.20:5062>
${options.extra ?? ''}${body ? 'Content-Type: application/sdp\n' : ''}Content-Length: ${body.length}

${body}`) as unknown as SipResponse;
  sent.receive(response);
}

/**
 * The callee answers (180 first unless `ringing` is false, then 200 with SDP_B and `calleeExtra`
 * headers) and the caller ACKs the 200.
 */
export async function answerCall(
  h: Harness,
  options: { ringing?: boolean; calleeExtra?: Array<[string, string]> } = {},
): Promise<void> {
  if (options.ringing !== false) h.relay.respond(180);
  h.relay.respond(200, { body: SDP_B, ...(options.calleeExtra ? { extra: options.calleeExtra } : {}) });
  await settle();
  h.core.handleAck(callerAck(h), CALLER);
  await settle();
}

/** The far ends answer every BYE the B2BUA sent 200. */
export async function answerByes(h: Harness): Promise<void> {
  for (const bye of h.transport.sent('BYE')) respondTo(bye, 200);
  await settle();
}

/** The callee answers the B2BUA's latest re-INVITE 200 with its SDP. */
export async function answerReinvite(h: Harness): Promise<void> {
  respondTo(h.transport.sent('INVITE').at(-1)!, 200, { body: SDP_B });
  await settle();
}

/** Alice's CANCEL of her INVITE (its Via branch and CSeq number, RFC 3261 §9.1). */
export function callerCancel(): SipRequest {
  return request(`CANCEL sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice1;rport
Max-Forwards: 70
From: "Alice" <sip:alice@example.com>;tag=alicetag
To: <sip:bob@example.com>
Call-ID: alice-call-1@198.51.100.7
CSeq: 10 CANCEL
Content-Length: 0

`);
}
