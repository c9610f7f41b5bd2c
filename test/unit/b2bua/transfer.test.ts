import { describe, expect, it } from 'vitest';
import { MEDIA_TIMEOUT_REASON } from '../../../src/b2bua/media-timeout.js';
import { type CallRouter, RoutingContext } from '../../../src/routing/index.js';
import { parseUri, type SipRequest } from '../../../src/sip/message/index.js';
import { request } from '../ua/fakes.js';
import { SessionMediaRelay } from './fake-media-relay.js';
import {
  CALLER,
  callerAck,
  FakeServerTransaction,
  fromCallee,
  fromCaller,
  type Harness,
  SDP_A,
  SDP_B,
  settle,
  takenCall,
} from './harness.js';
import { answeredCall, BOB, CAROL, FakeRouter, notifies, refer, reply, SDP_C } from './transfer-harness.js';

describe('B2BUA transfer: REFER from the callee (RFC 3515)', () => {
  it('blind transfer: 202, NOTIFY 100/180/200, carol placed for bob, alice re-INVITEd, bob released with BYE', async () => {
    const h = await answeredCall();
    const tx = refer(h, '<sip:carol@example.com>');
    expect(tx.statuses).toEqual([202]);
    await settle();
    // Routed as bob's own new call: bob is the caller the stages are told about.
    expect(h.router.routed).toHaveLength(1);
    const routed = h.router.routed[0]!;
    expect(routed.context.caller).toEqual(BOB);
    expect(routed.request.uri.toString()).toBe('sip:carol@example.com');
    // Carol's INVITE: placed through the relay, no offer (the B2BUA gets carol's), transferee shown.
    expect(h.relay.forwarded).toHaveLength(2);
    const toCarol = h.relay.forwarded[1]!.request;
    expect(toCarol.body.length).toBe(0);
    expect(toCarol.from.uri.toString()).toBe('sip:alice@example.com');
    expect(toCarol.get('referred-by')).toBe('<sip:bob@example.com>');
    expect(toCarol.callId).not.toBe(h.relay.invite.callId);
    expect(await notifies(h)).toEqual([['SIP/2.0 100 Trying', 'active;expires=60']]);
    const notify = h.transport.sent('NOTIFY')[0]!.request;
    expect(notify.callId).toBe(h.relay.invite.callId);
    expect(notify.get('event')).toBe('refer;id=2');
    expect(notify.contentType).toBe('message/sipfrag;version=2.0');

    h.relay.respondAt(1, 180, CAROL);
    await settle();
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 180 Ringing', 'active;expires=60']);
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    // Alice gets carol's offer in a re-INVITE on her own dialog.
    const reinvites = h.transport.sent('INVITE');
    expect(reinvites).toHaveLength(1);
    expect(reinvites[0]!.request.callId).toBe('alice-call-1@198.51.100.7');
    expect(reinvites[0]!.request.body.toString()).toBe(SDP_C);
    reply(reinvites[0]!, 200, SDP_A);
    await settle();
    // Carol's ACK carries alice's answer.
    const acks = h.transport.statelessRequests('ACK').filter((a) => a.request.callId === toCarol.callId);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.request.body.toString()).toBe(SDP_A);
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 200 OK', 'terminated;reason=noresource']);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(byes[0]!.request.get('reason')).toBe('SIP;cause=200;text="Call transferred"');
    // The original call's CDR: answered, ended by bob's side (the referrer).
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({ status: 200, hangup: 'callee', disposition: 'answered', cause: 16 });
    expect(h.b2bua.active).toBe(1);

    // Alice and carol talk: alice's re-INVITE (hold) reaches carol; alice's BYE ends carol's leg.
    const hold = new FakeServerTransaction(
      fromCaller(h, 'INVITE', 11, SDP_A.replace('RTP/AVP 0', 'RTP/AVP 0\r\na=sendonly')),
      CALLER,
    );
    h.core.handleRequest(hold.request, hold);
    await settle();
    const toCarolHold = h.transport.sent('INVITE').filter((t) => t.request.callId === toCarol.callId);
    expect(toCarolHold).toHaveLength(1);
    expect(toCarolHold[0]!.request.body.toString()).toContain('a=sendonly');
    reply(toCarolHold[0]!, 200, SDP_C.replace('RTP/AVP 0', 'RTP/AVP 0\r\na=recvonly'));
    await settle();
    expect(hold.statuses.at(-1)).toBe(200);
    expect(hold.responses.at(-1)!.body.toString()).toContain('a=recvonly');
    h.core.handleAck(fromCaller(h, 'ACK', 11), CALLER);
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 12), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    const carolBye = h.transport.sent('BYE').filter((t) => t.request.callId === toCarol.callId);
    expect(carolBye).toHaveLength(1);
    reply(carolBye[0]!, 200);
    await settle();
    // The transfer's own call: bob's (the referrer's) call to carol, ended by alice (its caller side).
    expect(h.records).toHaveLength(2);
    expect(h.records[1]).toMatchObject({
      caller: 'sip:bob@example.com',
      callee: 'sip:carol@example.com',
      callerCallId: 'alice-call-1@198.51.100.7',
      calleeCallId: toCarol.callId,
      status: 200,
      hangup: 'caller',
      disposition: 'answered',
    });
    expect(h.b2bua.active).toBe(0);
    expect(h.events.types.filter((t) => t === 'call.completed')).toHaveLength(2);
  });

  it('counts transfers by kind and result (switchboard_b2bua_transfers_total)', async () => {
    const counted: string[] = [];
    const metrics = {
      callStarted: () => {},
      callEnded: () => {},
      transfer: (kind: string, result: string) => counted.push(`${kind} ${result}`),
    };
    const h = await takenCall({
      router: new FakeRouter(),
      metrics,
      before: (context) => {
        context.called = BOB;
      },
    });
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    refer(h, '<sip:carol@example.com>');
    await settle();
    h.relay.respondAt(1, 486, CAROL);
    await settle();
    await notifies(h);
    refer(h, '<sip:carol@example.com>', 3);
    await settle();
    h.relay.respondAt(2, 200, { ...CAROL, body: SDP_C });
    await settle();
    reply(h.transport.sent('INVITE')[0]!, 200, SDP_A);
    await settle();
    await notifies(h);
    expect(counted).toEqual(['blind failed', 'blind completed']);
  });

  it('a busy target: NOTIFY 486, the original call stays up and is not re-INVITEd', async () => {
    const h = await answeredCall();
    refer(h, '<sip:carol@example.com>');
    await settle();
    h.relay.respondAt(1, 486, CAROL);
    await settle();
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 486 Busy Here', 'terminated;reason=noresource']);
    expect(h.transport.sent('INVITE')).toHaveLength(0);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    // The failed attempt has its CDR; the original call is still up and relays as before.
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({ caller: 'sip:bob@example.com', status: 486, disposition: 'busy' });
    expect(h.b2bua.active).toBe(1);
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 11), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    expect(h.transport.sent('BYE')[0]!.request.callId).toBe(h.relay.invite.callId);
  });

  it('a target the stages refuse: NOTIFY with their status; nothing placed', async () => {
    const h = await answeredCall();
    refer(h, '<sip:nobody@example.com>');
    await settle();
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 404 Not Found', 'terminated;reason=noresource']);
    expect(h.relay.forwarded).toHaveLength(1);
    expect(h.records).toHaveLength(0);
  });

  it('the referrer hangs up after 202 (RFC 5589 §6): the transfer goes on and alice reaches carol', async () => {
    const h = await answeredCall();
    refer(h, '<sip:carol@example.com>');
    await settle();
    const bye = new FakeServerTransaction(fromCallee(h, 'BYE', 3));
    h.core.handleRequest(bye.request, bye);
    expect(bye.statuses).toEqual([200]);
    await settle();
    // Alice's leg is not ended by bob leaving.
    expect(h.transport.sent('BYE')).toHaveLength(0);
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    reply(h.transport.sent('INVITE')[0]!, 200, SDP_A);
    await settle();
    expect(h.records[0]).toMatchObject({ hangup: 'callee', status: 200 });
    expect(h.b2bua.active).toBe(1);
  });

  it('bad REFERs: no Refer-To 400, a tel: target 403, a second REFER while one runs 491', async () => {
    const h = await answeredCall();
    const none = new FakeServerTransaction(fromCallee(h, 'REFER', 2));
    h.core.handleRequest(none.request, none);
    expect(none.statuses).toEqual([400]);
    expect(refer(h, '<tel:+15551234>', 3).statuses).toEqual([403]);
    expect(refer(h, '<sip:carol@example.com>', 4).statuses).toEqual([202]);
    expect(refer(h, '<sip:carol@example.com>', 5).statuses).toEqual([491]);
  });

  it("a 481 to a NOTIFY ends the subscription only (RFC 5057): no more NOTIFYs, bob's leg lives on", async () => {
    const h = await answeredCall();
    refer(h, '<sip:carol@example.com>');
    await settle();
    reply(h.transport.sent('NOTIFY')[0]!, 481);
    await settle();
    h.relay.respondAt(1, 486, CAROL);
    await settle();
    expect(h.transport.sent('NOTIFY')).toHaveLength(1);
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 11), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    expect(h.transport.sent('BYE').map((b) => b.request.callId)).toEqual([h.relay.invite.callId]);
  });

  it('REFER before the call is answered: 403', async () => {
    const h = await takenCall({ router: new FakeRouter() });
    h.relay.respond(180);
    await settle();
    const tx = new FakeServerTransaction(
      fromCallee(h, 'REFER', 2, '', 'Refer-To: <sip:carol@example.com>\n'),
    );
    h.core.handleRequest(tx.request, tx);
    expect(tx.statuses).toEqual([403]);
  });
});

describe('B2BUA transfer: the call it makes has media of its own', () => {
  it('a new relay session (the old one deleted), and its own media timeout ends it by the node', async () => {
    const media = new SessionMediaRelay();
    const h = await takenCall({
      router: new FakeRouter(),
      media,
      mediaTimeout: 60,
      before: (context) => {
        context.called = BOB;
      },
    });
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    await settle();
    expect(media.sessions.size).toBe(1);
    const [original] = [...media.sessions];
    refer(h, '<sip:carol@example.com>');
    await settle();
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    // Carol's offer went into a relay session of the new call, and alice's re-INVITE carries its SDP.
    const offer = media.offers.at(-1)!;
    expect(offer.callId).not.toBe(original);
    expect(offer.fromTag).toBe('caroltag');
    const reinvite = h.transport.sent('INVITE')[0]!;
    expect(reinvite.request.body.toString()).toContain('m=audio 7000');
    reply(reinvite, 200, SDP_A);
    await settle();
    await notifies(h);
    expect(media.sessions.has(original!)).toBe(false);
    expect(media.sessions.size).toBe(1);
    expect(h.records[0]).toMatchObject({ hangup: 'callee', status: 200 });
    for (let i = 0; i < 65; i++) {
      h.clock.advance(1_000);
      await settle();
    }
    const byes = h.transport.sent('BYE').filter((b) => b.request.get('reason') === MEDIA_TIMEOUT_REASON);
    expect(byes.map((b) => b.request.callId).sort()).toEqual(
      ['alice-call-1@198.51.100.7', h.relay.forwarded[1]!.request.callId].sort(),
    );
    for (const bye of byes) reply(bye, 200);
    await settle();
    expect(h.records[1]).toMatchObject({ hangup: 'node', cause: 102, reason: MEDIA_TIMEOUT_REASON });
    expect(media.sessions.size).toBe(0);
  });
});

describe('B2BUA transfer: REFER from the caller', () => {
  it("alice transfers bob to carol: routed as alice's call, bob re-INVITEd, alice released", async () => {
    const ALICE = { aor: 'sip:alice@example.com', user: 'alice', domain: 'example.com' };
    const router = new FakeRouter();
    const h = await takenCall({
      router,
      before: (context) => {
        context.caller = ALICE;
      },
    });
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    const bobLeg = h.relay.invite.callId;
    const tx = new FakeServerTransaction(
      fromCaller(h, 'REFER', 11, '', 'Refer-To: "Carol" <sip:carol@example.com>\n'),
      CALLER,
    );
    h.core.handleRequest(tx.request, tx);
    expect(tx.statuses).toEqual([202]);
    await settle();
    expect(router.routed[0]!.context.caller).toEqual(ALICE);
    expect(h.relay.forwarded[1]!.request.from.uri.toString()).toBe('sip:bob@example.com');
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    const reinvite = h.transport.sent('INVITE').find((t) => t.request.callId === bobLeg)!;
    expect(reinvite.request.body.toString()).toBe(SDP_C);
    reply(reinvite, 200, SDP_B);
    await settle();
    const notify = h.transport.sent('NOTIFY');
    expect(notify[0]!.request.callId).toBe('alice-call-1@198.51.100.7');
    await notifies(h);
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId)).toEqual(['alice-call-1@198.51.100.7']);
    expect(h.records[0]).toMatchObject({ hangup: 'caller', status: 200 });
  });
});

describe('B2BUA attended transfer: Refer-To with Replaces (RFC 3891)', () => {
  /** Bob's second call, to carol, through the same B2BUA (answered and ACKed). */
  async function bobCallsCarol(
    h: Harness,
    router: CallRouter,
  ): Promise<{ callId: string; b2buaTag: string }> {
    const invite = request(`INVITE sip:carol@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKbob2
Max-Forwards: 70
From: <sip:bob@example.com>;tag=bob2tag
To: <sip:carol@example.com>
Call-ID: bob-call-2@192.0.2.20
CSeq: 1 INVITE
Contact: <sip:bob@192.0.2.20:5062>
Content-Type: application/sdp
Content-Length: ${SDP_B.length}

${SDP_B}`);
    const tx = new FakeServerTransaction(invite, { protocol: 'udp', address: '192.0.2.20', port: 5062 });
    h.b2bua.take({
      request: invite,
      transaction: tx,
      targets: [{ uri: parseUri('sip:carol@192.0.2.30:5064') }],
      context: new RoutingContext(tx.source, tx),
      relay: h.relay,
      router,
    });
    await settle();
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    const ok = tx.responses.find((r) => r.status === 200)!;
    const ack = request(`ACK sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKbob2ack
Max-Forwards: 70
From: <sip:bob@example.com>;tag=bob2tag
To: <sip:carol@example.com>;tag=${ok.to.tag}
Call-ID: bob-call-2@192.0.2.20
CSeq: 1 ACK
Content-Length: 0

`);
    h.core.handleAck(ack, tx.source);
    await settle();
    return { callId: 'bob-call-2@192.0.2.20', b2buaTag: ok.to.tag! };
  }

  it("joins alice and carol, ends both of bob's legs; three CDRs", async () => {
    const router = new FakeRouter();
    const h = await answeredCall(router);
    const bobLeg1 = h.relay.invite;
    // Bob's REFER on his leg of the first call (the relay's latest INVITE is the second call's).
    const referFromBob = (referTo: string): FakeServerTransaction => {
      const tx = new FakeServerTransaction(
        request(`REFER sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKbrefer
Max-Forwards: 70
From: <sip:bob@example.com>;tag=bobtag
To: ${bobLeg1.get('from')}
Call-ID: ${bobLeg1.callId}
CSeq: 2 REFER
Contact: <sip:bob@192.0.2.20:5062>
Refer-To: ${referTo}
Content-Length: 0

`),
      );
      h.core.handleRequest(tx.request, tx);
      return tx;
    };
    const second = await bobCallsCarol(h, router);
    const carolLeg = h.relay.forwarded[1]!.request.callId;
    expect(h.b2bua.active).toBe(2);
    const replaces = encodeURIComponent(`${second.callId};to-tag=${second.b2buaTag};from-tag=bob2tag`);
    const tx = referFromBob(`<sip:carol@example.com?Replaces=${replaces}>`);
    expect(tx.statuses).toEqual([202]);
    await settle();
    // Nothing is routed: carol is already on a leg the B2BUA holds. She is asked for a new offer.
    expect(router.routed).toHaveLength(0);
    const toCarol = h.transport.sent('INVITE').filter((t) => t.request.callId === carolLeg);
    expect(toCarol).toHaveLength(1);
    expect(toCarol[0]!.request.body.length).toBe(0);
    reply(toCarol[0]!, 200, SDP_C);
    await settle();
    const toAlice = h.transport
      .sent('INVITE')
      .filter((t) => t.request.callId === 'alice-call-1@198.51.100.7');
    expect(toAlice).toHaveLength(1);
    expect(toAlice[0]!.request.body.toString()).toBe(SDP_C);
    reply(toAlice[0]!, 200, SDP_A);
    await settle();
    const carolAck = h.transport
      .statelessRequests('ACK')
      .filter((a) => a.request.callId === carolLeg)
      .at(-1)!;
    expect(carolAck.request.cseq.seq).toBe(toCarol[0]!.request.cseq.seq);
    expect(carolAck.request.body.toString()).toBe(SDP_A);
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 200 OK', 'terminated;reason=noresource']);
    await settle();
    const byes = h.transport.sent('BYE').map((b) => b.request.callId);
    expect(byes.sort()).toEqual([bobLeg1.callId, second.callId].sort());
    expect(h.records).toHaveLength(2);
    expect(h.records.find((r) => r.callerCallId === 'alice-call-1@198.51.100.7')).toMatchObject({
      hangup: 'callee',
      status: 200,
    });
    expect(h.records.find((r) => r.callerCallId === second.callId)).toMatchObject({
      hangup: 'caller',
      status: 200,
    });
    // Alice and carol are one call now: carol's BYE reaches alice.
    const carolBye = request(`BYE sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30:5064;branch=z9hG4bKcarolbye
Max-Forwards: 70
From: <sip:carol@example.com>;tag=caroltag
To: ${h.relay.forwarded[1]!.request.get('from')}
Call-ID: ${carolLeg}
CSeq: 5 BYE
Content-Length: 0

`);
    const byeTx = new FakeServerTransaction(carolBye);
    h.core.handleRequest(carolBye, byeTx);
    expect(byeTx.statuses).toEqual([200]);
    await settle();
    const aliceBye = h.transport.sent('BYE').find((b) => b.request.callId === 'alice-call-1@198.51.100.7')!;
    reply(aliceBye, 200);
    await settle();
    expect(h.records).toHaveLength(3);
    expect(h.records[2]).toMatchObject({
      caller: 'sip:bob@example.com',
      callee: 'sip:carol@example.com',
      hangup: 'callee',
      status: 200,
    });
    expect(h.b2bua.active).toBe(0);
  });

  it('a Replaces naming the call of the REFER itself: 403', async () => {
    const h = await answeredCall();
    const leg = h.relay.invite;
    const replaces = encodeURIComponent(`${leg.callId};to-tag=${leg.from.tag};from-tag=bobtag`);
    expect(refer(h, `<sip:carol@example.com?Replaces=${replaces}>`).statuses).toEqual([403]);
  });
});

describe('B2BUA: an INVITE with Replaces for a leg it holds (RFC 3891 §3)', () => {
  function replacingInvite(h: Harness, params: string, body = SDP_C): SipRequest {
    const leg = h.relay.invite;
    const replaces = `${leg.callId};to-tag=${leg.from.tag};from-tag=bobtag${params}`;
    return request(`INVITE sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30:5064;branch=z9hG4bKcarolrepl
Max-Forwards: 70
From: <sip:carol@example.com>;tag=carolnew
To: <sip:sb@203.0.113.1:5060>
Call-ID: carol-replaces@192.0.2.30
CSeq: 1 INVITE
Contact: <sip:carol@192.0.2.30:5064>
Replaces: ${replaces}
Content-Type: application/sdp
Content-Length: ${body.length}

${body}`);
  }

  it("carol takes bob's place: alice re-INVITEd with carol's offer, carol gets alice's answer, bob gets BYE", async () => {
    const h = await answeredCall();
    const bobLeg = h.relay.invite.callId;
    const invite = replacingInvite(h, '');
    expect(h.b2bua.owns(invite)).toBe(true);
    const carolSource = { protocol: 'udp' as const, address: '192.0.2.30', port: 5064 };
    const tx = new FakeServerTransaction(invite, carolSource);
    h.b2bua.handle(invite, tx);
    await settle();
    const toAlice = h.transport.sent('INVITE');
    expect(toAlice).toHaveLength(1);
    expect(toAlice[0]!.request.body.toString()).toBe(SDP_C);
    reply(toAlice[0]!, 200, SDP_A);
    await settle();
    const ok = tx.responses.find((r) => r.status === 200)!;
    expect(ok.body.toString()).toBe(SDP_A);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId)).toEqual([bobLeg]);
    expect(byes[0]!.request.get('reason')).toBe('SIP;cause=200;text="Call replaced"');
    expect(h.records[0]).toMatchObject({
      hangup: 'callee',
      status: 200,
      callerCallId: 'alice-call-1@198.51.100.7',
    });
    // Alice and carol are one call: alice's BYE reaches carol's dialog.
    h.core.handleAck(
      request(`ACK sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30:5064;branch=z9hG4bKcarolack
Max-Forwards: 70
From: <sip:carol@example.com>;tag=carolnew
To: <sip:sb@203.0.113.1:5060>;tag=${ok.to.tag}
Call-ID: carol-replaces@192.0.2.30
CSeq: 1 ACK
Content-Length: 0

`),
      carolSource,
    );
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 12), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    expect(h.transport.sent('BYE').map((b) => b.request.callId)).toContain('carol-replaces@192.0.2.30');
  });

  it('early-only for an answered call: 486; a dialog nobody holds is not the B2BUA’s', async () => {
    const h = await answeredCall();
    const early = replacingInvite(h, ';early-only');
    const tx = new FakeServerTransaction(early);
    h.b2bua.handle(early, tx);
    expect(tx.statuses).toEqual([486]);
    const stranger = request(
      replacingInvite(h, '')
        .toString()
        .replace(/Replaces: [^\r\n]*/, 'Replaces: nobody@x;to-tag=a;from-tag=b'),
    );
    expect(h.b2bua.owns(stranger)).toBe(false);
    expect(h.transport.sent('INVITE')).toHaveLength(0);
  });
});
