import { describe, expect, it } from 'vitest';
import { Dialog } from '../../../src/sip/dialog/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';

function sip<T extends SipRequest | SipResponse = SipRequest>(text: string): T {
  return parseMessage(Buffer.from(text.replace(/^\n/, '').replace(/\r?\n/g, '\r\n'))) as T;
}

const invite = (): SipRequest =>
  sip(`
INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Record-Route: <sip:p2.example.com;lr>
Record-Route: <sip:p1.example.com;lr>
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Length: 0

`);

/** The 2xx Bob sends back: Record-Route copied, Contact, To tag. */
function ok(request: SipRequest, contact = '<sip:bob@192.0.2.4>'): SipResponse {
  const res = createResponse(request, 200, undefined, 'a6c85cf');
  for (const rr of request.getAll('record-route')) res.append('record-route', rr);
  res.append('contact', contact);
  return sip<SipResponse>(res.toString());
}

describe('Dialog creation (RFC 3261 §12.1)', () => {
  it('as UAS: route set is the Record-Route in order, remote target the request Contact', () => {
    const req = invite();
    const d = Dialog.asUas(req, ok(req));
    expect(d.id).toEqual({
      callId: 'a84b4c76e66710@pc33.atlanta.example.com',
      localTag: 'a6c85cf',
      remoteTag: '1928301774',
    });
    expect(d.state).toBe('confirmed');
    expect(d.routeSet.map((r) => r.uri.toString())).toEqual([
      'sip:p2.example.com;lr',
      'sip:p1.example.com;lr',
    ]);
    expect(d.remoteTarget.toString()).toBe('sip:alice@pc33.atlanta.example.com');
    expect(d.localTarget?.toString()).toBe('sip:bob@192.0.2.4');
    expect(d.remoteSeq).toBe(314159);
    expect(d.localSeq).toBeUndefined();
    expect(d.localUri.toString()).toBe('sip:bob@biloxi.example.com');
    expect(d.remoteUri.toString()).toBe('sip:alice@atlanta.example.com');
  });

  it('as UAS from a 180 the dialog is early', () => {
    const req = invite();
    const ringing = sip<SipResponse>(createResponse(req, 180, undefined, 'x1').toString());
    expect(Dialog.asUas(req, ringing).state).toBe('early');
  });

  it('as UAC: route set is the Record-Route of the response reversed, local seq the INVITE CSeq', () => {
    const req = invite();
    const d = Dialog.asUac(req, ok(req));
    expect(d.id).toEqual({
      callId: 'a84b4c76e66710@pc33.atlanta.example.com',
      localTag: '1928301774',
      remoteTag: 'a6c85cf',
    });
    expect(d.routeSet.map((r) => r.uri.toString())).toEqual([
      'sip:p1.example.com;lr',
      'sip:p2.example.com;lr',
    ]);
    expect(d.remoteTarget.toString()).toBe('sip:bob@192.0.2.4');
    expect(d.localSeq).toBe(314159);
    expect(d.remoteSeq).toBeUndefined();
    expect(d.secure).toBe(false);
  });

  it('refuses a dialog-creating response without To tag', () => {
    const req = invite();
    const trying = sip<SipResponse>(createResponse(req, 100).toString());
    expect(() => Dialog.asUac(req, trying)).toThrow();
  });
});

describe('requests within a dialog (RFC 3261 §12.2.1.1)', () => {
  it('loose routing: Request-URI is the remote target, Route the route set; CSeq increments', () => {
    const req = invite();
    const d = Dialog.asUac(req, ok(req));
    const bye = d.createRequest('BYE');
    expect(bye.uriText).toBe('sip:bob@192.0.2.4');
    expect(bye.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(bye.cseq).toEqual({ seq: 314160, method: 'BYE' });
    expect(bye.from.tag).toBe('1928301774');
    expect(bye.to.tag).toBe('a6c85cf');
    expect(bye.from.displayName).toBe('Alice');
    expect(bye.callId).toBe(req.callId);
    expect(bye.maxForwards).toBe(70);
    expect(bye.has('contact')).toBe(false);
    expect(d.createRequest('INFO').cseq.seq).toBe(314161);
    expect(d.nextHop().toString()).toBe('sip:p1.example.com;lr');
  });

  it('strict routing: first route becomes the Request-URI, the remote target the last Route', () => {
    const req = invite();
    req.remove('record-route');
    req.append('record-route', '<sip:strict.example.com;method=INVITE;maddr=192.0.2.9>');
    req.append('record-route', '<sip:p1.example.com;lr>');
    const d = Dialog.asUas(req, ok(req));
    const bye = d.createRequest('BYE');
    expect(bye.uriText).toBe('sip:strict.example.com;maddr=192.0.2.9');
    expect(bye.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:alice@pc33.atlanta.example.com>']);
    expect(d.nextHop().toString()).toBe('sip:strict.example.com;method=INVITE;maddr=192.0.2.9');
  });

  it('without a route set the request goes straight to the remote target', () => {
    const req = invite();
    req.remove('record-route');
    const d = Dialog.asUac(req, ok(req));
    const info = d.createRequest('INFO');
    expect(info.uriText).toBe('sip:bob@192.0.2.4');
    expect(info.has('route')).toBe(false);
    expect(d.nextHop().toString()).toBe('sip:bob@192.0.2.4');
  });

  it('ACK and CANCEL reuse the INVITE CSeq number; re-INVITE and UPDATE carry Contact', () => {
    const req = invite();
    const d = Dialog.asUac(req, ok(req));
    expect(d.createRequest('ACK').cseq).toEqual({ seq: 314159, method: 'ACK' });
    const reinvite = d.createRequest('INVITE');
    expect(reinvite.cseq.seq).toBe(314160);
    expect(reinvite.get('contact')).toBe('<sip:alice@pc33.atlanta.example.com>');
    expect(d.createRequest('ACK').cseq).toEqual({ seq: 314160, method: 'ACK' });
    expect(d.createRequest('UPDATE').has('contact')).toBe(true);
  });

  it('a UAS with an empty local sequence picks an initial one, then increments', () => {
    const req = invite();
    const d = Dialog.asUas(req, ok(req));
    const first = d.createRequest('BYE').cseq.seq;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(2 ** 31);
    expect(d.createRequest('INFO').cseq.seq).toBe(first + 1);
    // The UAS's own requests go From Bob To Alice.
    const info = d.createRequest('INFO');
    expect(info.from.tag).toBe('a6c85cf');
    expect(info.to.tag).toBe('1928301774');
  });
});

describe('remote target refresh and confirmation', () => {
  it('a re-INVITE Contact replaces the remote target (§12.2.2); none leaves it', () => {
    const req = invite();
    const d = Dialog.asUas(req, ok(req));
    const reinvite = sip(`
INVITE sip:bob@192.0.2.4 SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKre1
To: <sip:bob@biloxi.example.com>;tag=a6c85cf
From: <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314160 INVITE
Contact: <sip:alice@198.51.100.7:5070>
Content-Length: 0

`);
    d.refreshRemoteTarget(reinvite);
    expect(d.remoteTarget.toString()).toBe('sip:alice@198.51.100.7:5070');
    reinvite.remove('contact');
    d.refreshRemoteTarget(reinvite);
    expect(d.remoteTarget.toString()).toBe('sip:alice@198.51.100.7:5070');
  });

  it('a 2xx confirming an early UAC dialog recomputes route set and remote target (§13.2.2.4)', () => {
    const req = invite();
    const ringing = createResponse(req, 180, undefined, 'a6c85cf');
    ringing.append('record-route', '<sip:early.example.com;lr>');
    ringing.append('contact', '<sip:bob@early.example.com>');
    const d = Dialog.asUac(req, sip<SipResponse>(ringing.toString()));
    expect(d.state).toBe('early');
    expect(d.nextHop().toString()).toBe('sip:early.example.com;lr');
    d.confirm(ok(req, '<sip:bob@192.0.2.99>'));
    expect(d.state).toBe('confirmed');
    expect(d.routeSet.map((r) => r.uri.toString())).toEqual([
      'sip:p1.example.com;lr',
      'sip:p2.example.com;lr',
    ]);
    expect(d.remoteTarget.toString()).toBe('sip:bob@192.0.2.99');
  });
});

describe('incoming in-dialog CSeq rules (§12.2.2)', () => {
  it('rejects a lower CSeq with 500 and records a higher one', () => {
    const req = invite();
    const d = Dialog.asUas(req, ok(req));
    const bye = (seq: number, method = 'BYE') =>
      sip(`
${method} sip:bob@192.0.2.4 SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK${seq}
To: <sip:bob@biloxi.example.com>;tag=a6c85cf
From: <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: ${seq} ${method}
Content-Length: 0

`);
    expect(d.checkRequest(bye(314158))?.status).toBe(500);
    expect(d.remoteSeq).toBe(314159);
    expect(d.checkRequest(bye(314170))).toBeUndefined();
    expect(d.remoteSeq).toBe(314170);
    // ACK reuses an older INVITE's number and is not checked.
    expect(d.checkRequest(bye(314159, 'ACK'))).toBeUndefined();
    expect(d.remoteSeq).toBe(314170);
  });

  it('a UAC dialog accepts the first request at any CSeq', () => {
    const req = invite();
    const d = Dialog.asUac(req, ok(req));
    const bye = sip(`
BYE sip:alice@pc33.atlanta.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb1
To: <sip:alice@atlanta.example.com>;tag=1928301774
From: <sip:bob@biloxi.example.com>;tag=a6c85cf
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 1 BYE
Content-Length: 0

`);
    expect(d.checkRequest(bye)).toBeUndefined();
    expect(d.remoteSeq).toBe(1);
  });
});
