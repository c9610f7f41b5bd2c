import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../../../src/sip/message/index.js';
import { type SessionEndCause, UserAgentCore } from '../../../src/sip/ua/index.js';
import { answer, FakeServerTransaction, FakeTransport, flush, request } from './fakes.js';

const sdp =
  'v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\ns=-\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
// The callee's proxies: p2 next to Bob, p1 next to us (Record-Route order as Bob returns it).
const recordRoutes = ['<sip:p2.example.com;lr>', '<sip:p1.example.com:5070;lr>'];

async function call() {
  const transport = new FakeTransport();
  const ua = new UserAgentCore({ transport });
  const session = ua.invite({ to: 'sip:bob@example.com', from: '"Alice" <sip:alice@example.com>', sdp });
  const ended: SessionEndCause[] = [];
  session.on('terminated', (cause) => ended.push(cause));
  await flush();
  const tx = transport.sent('INVITE')[0]!;
  return { transport, ua, session, tx, invite: tx.request, ended };
}

describe('InviteClientSession (RFC 3261 §13.2)', () => {
  it('180 creates an early dialog, 200 confirms it and is ACKed to the first route', async () => {
    const { transport, ua, session, tx, invite } = await call();
    expect(invite.body.toString()).toBe(sdp);
    expect(invite.contentType).toBe('application/sdp');
    const progress: Array<[number, string | undefined]> = [];
    session.on('progress', (res, dialog) => progress.push([res.status, dialog?.state]));
    let accepted: SipResponse | undefined;
    session.on('accepted', (res) => {
      accepted = res;
    });

    tx.receive(answer(invite, 100));
    tx.receive(answer(invite, 180, { toTag: 'b1', recordRoutes, contact: '<sip:bob@192.0.2.20:5062>' }));
    expect(progress).toEqual([
      [100, undefined],
      [180, 'early'],
    ]);
    expect(session.state).toBe('early');
    expect(ua.dialogs.size).toBe(1);

    tx.receive(
      answer(invite, 200, { toTag: 'b1', recordRoutes, contact: '<sip:bob@192.0.2.20:5062>', body: sdp }),
    );
    expect(accepted?.status).toBe(200);
    expect(session.state).toBe('confirmed');
    expect(session.dialog?.state).toBe('confirmed');
    await flush();

    const acks = transport.statelessRequests('ACK');
    expect(acks).toHaveLength(1);
    const { request: ack, target } = acks[0]!;
    expect(target).toEqual({ protocol: 'udp', address: 'p1.example.com', port: 5070 });
    expect(ack.uriText).toBe('sip:bob@192.0.2.20:5062');
    expect(ack.getAll('route')).toEqual(['<sip:p1.example.com:5070;lr>', '<sip:p2.example.com;lr>']);
    expect(ack.cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });
    expect(ack.callId).toBe(invite.callId);
    expect(ack.from.tag).toBe(invite.from.tag);
    expect(ack.to.tag).toBe('b1');
    expect(ack.topVia?.branch).not.toBe(invite.topVia?.branch);
    expect(ack.topVia?.branch?.startsWith('z9hG4bK')).toBe(true);

    // A retransmitted 2xx gets the same ACK again (§13.2.2.4).
    tx.receive(answer(invite, 200, { toTag: 'b1', recordRoutes, contact: '<sip:bob@192.0.2.20:5062>' }));
    await flush();
    const again = transport.statelessRequests('ACK');
    expect(again).toHaveLength(2);
    expect(again[1]!.request.topVia?.branch).toBe(ack.topVia?.branch);
    expect(transport.sent('BYE')).toHaveLength(0);
  });

  it('a 2xx from a second fork is ACKed and ended with BYE', async () => {
    const { transport, session, tx, invite } = await call();
    tx.receive(answer(invite, 180, { toTag: 'b1', contact: '<sip:bob@192.0.2.21>' }));
    tx.receive(answer(invite, 180, { toTag: 'b2', contact: '<sip:bob@192.0.2.22>' }));
    expect(session.earlyDialogs.size).toBe(2);
    tx.receive(answer(invite, 200, { toTag: 'b1', contact: '<sip:bob@192.0.2.21>', body: sdp }));
    tx.receive(answer(invite, 200, { toTag: 'b2', contact: '<sip:bob@192.0.2.22>', body: sdp }));
    await flush();

    expect(session.dialog?.remoteTag).toBe('b1');
    const acks = transport.statelessRequests('ACK');
    expect(acks.map((a) => [a.request.to.tag, a.target.address])).toEqual([
      ['b1', '192.0.2.21'],
      ['b2', '192.0.2.22'],
    ]);
    const byes = transport.sent('BYE');
    expect(byes).toHaveLength(1);
    const bye = byes[0]!.request;
    expect(bye.to.tag).toBe('b2');
    expect(bye.uriText).toBe('sip:bob@192.0.2.22');
    expect(bye.cseq).toEqual({ seq: invite.cseq.seq + 1, method: 'BYE' });
    expect(session.state).toBe('confirmed');
  });

  it('CANCEL waits for a provisional, then the INVITE ends with 487 (§9.1)', async () => {
    const { transport, session, tx, invite, ended } = await call();
    const rejected: number[] = [];
    session.on('rejected', (res) => rejected.push(res.status));
    session.cancel('SIP;cause=480;text="Timeout"');
    expect(transport.sent('CANCEL')).toHaveLength(0);

    tx.receive(answer(invite, 180, { toTag: 'b1' }));
    await flush();
    const cancels = transport.sent('CANCEL');
    expect(cancels).toHaveLength(1);
    const cancel = cancels[0]!;
    expect(cancel.target).toEqual(tx.target);
    expect(cancel.request.uriText).toBe(invite.uriText);
    expect(cancel.request.callId).toBe(invite.callId);
    expect(cancel.request.get('to')).toBe(invite.get('to'));
    expect(cancel.request.get('from')).toBe(invite.get('from'));
    expect(cancel.request.cseq).toEqual({ seq: invite.cseq.seq, method: 'CANCEL' });
    expect(cancel.request.getAll('via')).toEqual([invite.getAll('via')[0]]);
    expect(cancel.request.get('reason')).toBe('SIP;cause=480;text="Timeout"');

    cancel.receive(answer(cancel.request, 200));
    tx.receive(answer(invite, 487, { toTag: 'b1' }));
    expect(rejected).toEqual([487]);
    expect(ended).toEqual(['cancelled']);
    expect(session.state).toBe('terminated');
  });

  it('a 2xx crossing our CANCEL is ACKed and ended with BYE', async () => {
    const { transport, session, tx, invite, ended } = await call();
    tx.receive(answer(invite, 180, { toTag: 'b1' }));
    session.cancel();
    tx.receive(answer(invite, 200, { toTag: 'b1', contact: '<sip:bob@192.0.2.21>' }));
    await flush();
    expect(transport.statelessRequests('ACK')).toHaveLength(1);
    expect(transport.sent('BYE')).toHaveLength(1);
    expect(ended).toEqual(['cancelled']);
  });

  it('reports a failure response and a timeout as rejected', async () => {
    const { session, tx, invite, ended, ua } = await call();
    const rejected: number[] = [];
    session.on('rejected', (res) => rejected.push(res.status));
    tx.receive(answer(invite, 180, { toTag: 'b1' }));
    tx.receive(answer(invite, 486, { toTag: 'b1' }));
    expect(rejected).toEqual([486]);
    expect(ended).toEqual(['rejected']);
    expect(ua.dialogs.size).toBe(0);

    const second = await call();
    second.tx.handlers.onTimeout?.(second.tx);
    expect(second.session.endCause).toBe('rejected');
  });

  it('sends BYE in the dialog and forgets it (§15.1.1)', async () => {
    const { transport, ua, session, tx, invite, ended } = await call();
    tx.receive(
      answer(invite, 200, { toTag: 'b1', recordRoutes, contact: '<sip:bob@192.0.2.20>', body: sdp }),
    );
    const done = session.bye();
    expect(ended).toEqual(['local-bye']);
    expect(ua.dialogs.size).toBe(0);
    await flush();
    const byeTx = transport.sent('BYE')[0]!;
    expect(byeTx.target.address).toBe('p1.example.com');
    expect(byeTx.request.uriText).toBe('sip:bob@192.0.2.20');
    expect(byeTx.request.getAll('route')).toEqual([
      '<sip:p1.example.com:5070;lr>',
      '<sip:p2.example.com;lr>',
    ]);
    expect(byeTx.request.cseq).toEqual({ seq: invite.cseq.seq + 1, method: 'BYE' });
    byeTx.receive(answer(byeTx.request, 200));
    expect((await done)?.status).toBe(200);
  });

  it('answers a BYE from the callee with 200 and ends; later requests get 481', async () => {
    const { ua, session, tx, invite, ended } = await call();
    tx.receive(answer(invite, 200, { toTag: 'b1', contact: '<sip:bob@192.0.2.20>', body: sdp }));
    const byes: string[] = [];
    session.on('bye', (req) => byes.push(req.method));
    const bye = (seq: number) =>
      new FakeServerTransaction(
        request(`
BYE sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKbye${seq}
Max-Forwards: 70
From: <sip:bob@example.com>;tag=b1
To: "Alice" <sip:alice@example.com>;tag=${invite.from.tag}
Call-ID: ${invite.callId}
CSeq: ${seq} BYE
Content-Length: 0

`),
      );
    const first = bye(10);
    ua.handleRequest(first.request, first);
    expect(first.statuses).toEqual([200]);
    expect(byes).toEqual(['BYE']);
    expect(ended).toEqual(['remote-bye']);
    const second = bye(11);
    ua.handleRequest(second.request, second);
    expect(second.statuses).toEqual([481]);
  });

  it('re-INVITE: new CSeq and Contact, 2xx refreshes the remote target and is ACKed', async () => {
    const { transport, session, tx, invite } = await call();
    tx.receive(answer(invite, 200, { toTag: 'b1', contact: '<sip:bob@192.0.2.20>', body: sdp }));
    const result = session.reinvite({ body: sdp.replace('4000', '4002') });
    await flush();
    const reTx = transport.sent('INVITE')[1]!;
    expect(reTx.request.cseq).toEqual({ seq: invite.cseq.seq + 1, method: 'INVITE' });
    expect(reTx.request.to.tag).toBe('b1');
    expect(reTx.request.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    await expect(session.reinvite()).rejects.toThrow();
    reTx.receive(answer(reTx.request, 200, { toTag: 'b1', contact: '<sip:bob@192.0.2.99>', body: sdp }));
    expect((await result).status).toBe(200);
    await flush();
    expect(session.dialog?.remoteTarget.toString()).toBe('sip:bob@192.0.2.99');
    const acks = transport.statelessRequests('ACK');
    expect(acks.at(-1)!.request.cseq).toEqual({ seq: invite.cseq.seq + 1, method: 'ACK' });
    expect(acks.at(-1)!.request.uriText).toBe('sip:bob@192.0.2.99');
  });

  it('without an offer in the INVITE, the owner sends the ACK with the answer', async () => {
    const transport = new FakeTransport();
    const ua = new UserAgentCore({ transport });
    const session = ua.invite({ to: 'sip:bob@example.com', from: 'sip:alice@example.com' });
    await flush();
    const tx = transport.sent('INVITE')[0]!;
    session.on('accepted', () => session.ack({ body: sdp }));
    tx.receive(answer(tx.request, 200, { toTag: 'b1', contact: '<sip:bob@192.0.2.20>', body: sdp }));
    await flush();
    const acks = transport.statelessRequests('ACK');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.request.body.toString()).toBe(sdp);
  });
});
