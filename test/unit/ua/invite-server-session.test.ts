import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message/index.js';
import {
  type IncomingRequest,
  type InviteServerSession,
  type SessionEndCause,
  UserAgentCore,
} from '../../../src/sip/ua/index.js';
import { answer, FakeClock, FakeServerTransaction, FakeTransport, flush, request } from './fakes.js';

const sdp =
  'v=0\r\no=- 2 2 IN IP4 203.0.113.1\r\ns=-\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

const inviteText = `
INVITE sip:bob@203.0.113.1 SIP/2.0
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuac
Max-Forwards: 69
Record-Route: <sip:p1.example.com;lr>
To: <sip:bob@example.com>
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: uas-call
CSeq: 10 INVITE
Contact: <sip:alice@192.0.2.10:5060>
Content-Type: application/sdp
Content-Length: 0

`;

function inDialog(method: string, seq: number, toTag: string, extra = ''): SipRequest {
  return request(`
${method} sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK${method}${seq}
Max-Forwards: 70
To: <sip:bob@example.com>;tag=${toTag}
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: uas-call
CSeq: ${seq} ${method}
${extra}Content-Length: 0

`);
}

function setup() {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const ua = new UserAgentCore({ transport, timers: clock, t1: 500, t2: 4000 });
  let session: InviteServerSession | undefined;
  ua.onInvite((s) => {
    session = s;
  });
  const inviteTx = new FakeServerTransaction(request(inviteText));
  ua.handleRequest(inviteTx.request, inviteTx);
  const ended: SessionEndCause[] = [];
  session!.on('terminated', (cause) => ended.push(cause));
  return { transport, clock, ua, session: session!, inviteTx, ended };
}

describe('InviteServerSession (RFC 3261 §13.3)', () => {
  it('1xx with To tag creates the early dialog; 2xx carries Contact, Record-Route and SDP', () => {
    const { ua, session, inviteTx } = setup();
    session.progress(180);
    const ringing = inviteTx.responses[0]!;
    expect(ringing.status).toBe(180);
    expect(ringing.to.tag).toBe(session.localTag);
    expect(ringing.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    expect(ringing.getAll('record-route')).toEqual(['<sip:p1.example.com;lr>']);
    expect(session.dialog?.state).toBe('early');
    expect(ua.dialogs.size).toBe(1);

    session.accept({ body: sdp });
    const ok = inviteTx.responses[1]!;
    expect(ok.status).toBe(200);
    expect(ok.to.tag).toBe(session.localTag);
    expect(ok.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    expect(ok.body.toString()).toBe(sdp);
    expect(ok.contentType).toBe('application/sdp');
    expect(session.state).toBe('accepted');
    expect(session.dialog?.state).toBe('confirmed');
    expect(session.dialog?.routeSet.map(String)).toEqual(['<sip:p1.example.com;lr>']);
  });

  it('retransmits the 2xx at T1, 2T1, 4T1... until the ACK arrives (§13.3.1.4)', () => {
    const { clock, ua, session, inviteTx, transport } = setup();
    const confirmed: string[] = [];
    session.on('confirmed', (d) => confirmed.push(d.remoteTag));
    session.accept({ body: sdp });
    const count = () => inviteTx.statuses.filter((s) => s === 200).length;
    expect(count()).toBe(1);
    clock.advance(499);
    expect(count()).toBe(1);
    clock.advance(1); // 500
    expect(count()).toBe(2);
    clock.advance(1000); // 1500
    expect(count()).toBe(3);
    clock.advance(2000); // 3500
    expect(count()).toBe(4);
    clock.advance(3999); // 7499
    expect(count()).toBe(4);

    ua.handleAck(inDialog('ACK', 10, session.localTag), inviteTx.source);
    expect(session.state).toBe('confirmed');
    expect(confirmed).toEqual(['a1']);
    clock.advance(60_000);
    expect(count()).toBe(4);
    expect(clock.pending).toBe(0);
    expect(transport.sent('BYE')).toHaveLength(0);
  });

  it('caps the interval at T2 and sends BYE after 64·T1 without ACK', async () => {
    const { clock, ua, session, inviteTx, transport, ended } = setup();
    session.accept({ body: sdp });
    clock.advance(31_999);
    // Retransmissions at 0.5, 1.5, 3.5, 7.5, 11.5, ... 31.5 s.
    expect(inviteTx.statuses.filter((s) => s === 200)).toHaveLength(11);
    expect(transport.sent('BYE')).toHaveLength(0);
    clock.advance(1); // 64·T1 = 32 s
    await flush();
    expect(ended).toEqual(['ack-timeout']);
    const bye = transport.sent('BYE')[0]!;
    expect(bye.request.uriText).toBe('sip:alice@192.0.2.10:5060');
    expect(bye.request.getAll('route')).toEqual(['<sip:p1.example.com;lr>']);
    expect(bye.target.address).toBe('p1.example.com');
    expect(bye.request.from.tag).toBe(session.localTag);
    expect(bye.request.to.tag).toBe('a1');
    expect(ua.dialogs.size).toBe(0);
    clock.advance(60_000);
    expect(inviteTx.statuses.filter((s) => s === 200)).toHaveLength(11);
  });

  it('does not retransmit over reliable transports but still gives up at 64·T1', () => {
    const transport = new FakeTransport();
    const clock = new FakeClock();
    const ua = new UserAgentCore({ transport, timers: clock });
    let session: InviteServerSession | undefined;
    ua.onInvite((s) => {
      session = s;
    });
    const tx = new FakeServerTransaction(request(inviteText), {
      protocol: 'tcp',
      address: '192.0.2.10',
      port: 40000,
    });
    ua.handleRequest(tx.request, tx);
    session!.accept({ body: sdp });
    clock.advance(31_999);
    expect(tx.statuses).toEqual([200]);
    clock.advance(1);
    expect(session!.endCause).toBe('ack-timeout');
  });

  it('CANCEL gets 200 and the INVITE 487 (§9.2)', () => {
    const { ua, session, inviteTx, ended } = setup();
    const cancelled: string[] = [];
    session.on('cancelled', (c) => cancelled.push(c.method));
    session.progress(180);
    const cancel = new FakeServerTransaction(
      request(`
CANCEL sip:bob@203.0.113.1 SIP/2.0
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1
Max-Forwards: 70
To: <sip:bob@example.com>
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: uas-call
CSeq: 10 CANCEL
Content-Length: 0

`),
    );
    ua.handleRequest(cancel.request, cancel);
    expect(cancel.statuses).toEqual([200]);
    expect(inviteTx.statuses).toEqual([180, 487]);
    expect(inviteTx.responses[1]!.to.tag).toBe(session.localTag);
    expect(cancelled).toEqual(['CANCEL']);
    expect(ended).toEqual(['cancelled']);
    expect(ua.dialogs.size).toBe(0);
  });

  it('CANCEL matched by the transaction layer (handleCancel) and after the final response', () => {
    const { ua, session, inviteTx } = setup();
    session.accept({ body: sdp });
    const cancelTx = new FakeServerTransaction(inDialog('CANCEL', 10, 'x'));
    ua.handleCancel(cancelTx.request, cancelTx, inviteTx);
    expect(cancelTx.statuses).toEqual([200]);
    expect(inviteTx.statuses).toEqual([200]);
    expect(session.state).toBe('accepted');
    const stray = new FakeServerTransaction(inDialog('CANCEL', 10, 'x'));
    ua.handleCancel(stray.request, stray, undefined);
    expect(stray.statuses).toEqual([481]);
  });

  it('answers an in-dialog BYE with 200 and ends the session', () => {
    const { ua, session, ended } = setup();
    session.accept({ body: sdp });
    ua.handleAck(inDialog('ACK', 10, session.localTag), {
      protocol: 'udp',
      address: 'p1.example.com',
      port: 5060,
    });
    const bye = new FakeServerTransaction(inDialog('BYE', 11, session.localTag));
    ua.handleRequest(bye.request, bye);
    expect(bye.statuses).toEqual([200]);
    expect(ended).toEqual(['remote-bye']);
  });

  it('a BYE on the early dialog ends the INVITE with 487 (§15.1.2)', () => {
    const { ua, session, inviteTx, ended } = setup();
    session.progress(183, { body: sdp });
    const bye = new FakeServerTransaction(inDialog('BYE', 11, session.localTag));
    ua.handleRequest(bye.request, bye);
    expect(inviteTx.statuses).toEqual([183, 487]);
    expect(bye.statuses).toEqual([200]);
    expect(ended).toEqual(['remote-bye']);
  });

  it('holds our BYE until the ACK, then sends it in the dialog', async () => {
    const { ua, session, transport, ended } = setup();
    session.accept({ body: sdp });
    await session.bye();
    expect(transport.sent('BYE')).toHaveLength(0);
    ua.handleAck(inDialog('ACK', 10, session.localTag), {
      protocol: 'udp',
      address: 'p1.example.com',
      port: 5060,
    });
    await flush();
    const bye = transport.sent('BYE')[0]!;
    expect(bye.request.cseq.method).toBe('BYE');
    expect(bye.request.get('route')).toBe('<sip:p1.example.com;lr>');
    expect(ended).toEqual(['local-bye']);
    bye.receive(answer(bye.request, 200));
  });

  it('rejects an in-dialog request with a lower CSeq with 500 (§12.2.2)', () => {
    const { ua, session } = setup();
    session.accept({ body: sdp });
    const info = new FakeServerTransaction(inDialog('INFO', 9, session.localTag));
    ua.handleRequest(info.request, info);
    expect(info.statuses).toEqual([500]);
  });

  it('delivers a re-INVITE to the owner; its 2xx is retransmitted until ACKed and refreshes the target', () => {
    const { ua, session, clock, ended } = setup();
    session.accept({ body: sdp });
    ua.handleAck(inDialog('ACK', 10, session.localTag), {
      protocol: 'udp',
      address: 'p1.example.com',
      port: 5060,
    });
    const got: IncomingRequest[] = [];
    session.on('reinvite', (incoming) => got.push(incoming));
    const acks: number[] = [];
    session.on('ack', (ack) => acks.push(ack.cseq.seq));
    const reinvite = new FakeServerTransaction(
      inDialog('INVITE', 11, session.localTag, 'Contact: <sip:alice@198.51.100.5>\n'),
    );
    ua.handleRequest(reinvite.request, reinvite);
    expect(got).toHaveLength(1);
    expect(session.dialog?.remoteTarget.toString()).toBe('sip:alice@198.51.100.5');

    // A second re-INVITE while the first is unanswered: 500 with Retry-After (§14.2).
    const crossing = new FakeServerTransaction(inDialog('INVITE', 12, session.localTag));
    ua.handleRequest(crossing.request, crossing);
    expect(crossing.statuses).toEqual([500]);
    expect(crossing.responses[0]!.has('retry-after')).toBe(true);

    got[0]!.accept({ body: sdp });
    expect(reinvite.responses[0]!.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    clock.advance(500);
    expect(reinvite.statuses).toEqual([200, 200]);
    ua.handleAck(inDialog('ACK', 11, session.localTag), {
      protocol: 'udp',
      address: 'p1.example.com',
      port: 5060,
    });
    clock.advance(60_000);
    expect(reinvite.statuses).toEqual([200, 200]);
    expect(acks).toEqual([11]);
    expect(ended).toEqual([]);
  });

  it('answers a session-refresh re-INVITE without listener with our SDP, and INFO/OPTIONS by default', () => {
    const { ua, session } = setup();
    session.accept({ body: sdp });
    const refresh = new FakeServerTransaction(inDialog('INVITE', 11, session.localTag));
    ua.handleRequest(refresh.request, refresh);
    expect(refresh.statuses).toEqual([200]);
    expect(refresh.responses[0]!.body.toString()).toBe(sdp);
    const info = new FakeServerTransaction(inDialog('INFO', 12, session.localTag));
    ua.handleRequest(info.request, info);
    expect(info.statuses).toEqual([200]);
    const options = new FakeServerTransaction(inDialog('OPTIONS', 13, session.localTag));
    ua.handleRequest(options.request, options);
    expect(options.statuses).toEqual([200]);
  });

  it('reject() sends the failure and ends the early dialog', () => {
    const { ua, session, inviteTx, ended } = setup();
    session.progress(180);
    session.reject(486);
    expect(inviteTx.statuses).toEqual([180, 486]);
    expect(ended).toEqual(['rejected']);
    expect(ua.dialogs.size).toBe(0);
  });
});
