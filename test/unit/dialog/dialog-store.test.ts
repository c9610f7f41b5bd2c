import { describe, expect, it } from 'vitest';
import { Dialog, DialogStore } from '../../../src/sip/dialog/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';

function sip<T extends SipRequest | SipResponse = SipRequest>(text: string): T {
  return parseMessage(Buffer.from(text.replace(/^\n/, '').replace(/\r?\n/g, '\r\n'))) as T;
}

const invite = sip(`
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKs1
To: <sip:bob@example.com>
From: <sip:alice@example.com>;tag=alice1
Call-ID: store-1
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.1>
Content-Length: 0

`);

function inDialog(method: string, from: string, to: string, callId = 'store-1'): SipRequest {
  return sip(`
${method} sip:x@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKs2
To: ${to}
From: ${from}
Call-ID: ${callId}
CSeq: 2 ${method}
Content-Length: 0

`);
}

describe('DialogStore', () => {
  const response = sip<SipResponse>(createResponse(invite, 200, undefined, 'bob1').toString());

  it('finds a UAS dialog for a request by Call-ID, To tag (local) and From tag (remote)', () => {
    const store = new DialogStore();
    const d = Dialog.asUas(invite, response);
    store.set(d.id, d);
    expect(
      store.findForRequest(
        inDialog('BYE', '<sip:alice@example.com>;tag=alice1', '<sip:bob@example.com>;tag=bob1'),
      ),
    ).toBe(d);
    expect(
      store.findForRequest(
        inDialog('BYE', '<sip:alice@example.com>;tag=other', '<sip:bob@example.com>;tag=bob1'),
      ),
    ).toBeUndefined();
    expect(
      store.findForRequest(
        inDialog('BYE', '<sip:alice@example.com>;tag=alice1', '<sip:bob@example.com>;tag=bob1', 'other'),
      ),
    ).toBeUndefined();
    expect(
      store.findForRequest(inDialog('INVITE', '<sip:alice@example.com>;tag=alice1', '<sip:bob@example.com>')),
    ).toBeUndefined();
  });

  it('finds a UAC dialog for a response by Call-ID, From tag (local) and To tag (remote)', () => {
    const store = new DialogStore();
    const d = Dialog.asUac(invite, response);
    store.set(d.id, d);
    expect(store.findForResponse(response)).toBe(d);
    // A request from the callee names our tag in To.
    expect(
      store.findForRequest(
        inDialog('BYE', '<sip:bob@example.com>;tag=bob1', '<sip:alice@example.com>;tag=alice1'),
      ),
    ).toBe(d);
    expect(store.delete(d.id)).toBe(true);
    expect(store.size).toBe(0);
  });
});
