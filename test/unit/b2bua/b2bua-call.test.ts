import { describe, expect, it } from 'vitest';
import { answerCall, callerCancel, respondTo } from './call-steps.js';
import {
  CALLER,
  FakeServerTransaction,
  fromCallee,
  fromCaller,
  SDP_A,
  SDP_B,
  settle,
  takenCall,
} from './harness.js';

describe('B2BUA call: topology hiding and header policy', () => {
  it('places a new INVITE: own Call-ID, From tag, Via, Contact and CSeq; no Record-Route of the caller', async () => {
    const h = await takenCall();
    expect(h.relay.forwarded).toHaveLength(1);
    const b = h.relay.invite;
    expect(b.callId).not.toBe(h.aInvite.callId);
    expect(b.from.tag).toBeDefined();
    expect(b.from.tag).not.toBe('alicetag');
    expect(b.from.uri.toString()).toBe('sip:alice@example.com');
    expect(b.uri.toString()).toBe('sip:bob@example.com');
    expect(b.getAll('via')).toHaveLength(1);
    expect(b.topVia?.host).toBe('203.0.113.1');
    expect(b.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    expect(b.has('record-route')).toBe(false);
    expect(b.get('max-forwards')).toBe('69');
    expect(b.toString()).not.toContain('198.51.100.7:5070');
    expect(b.toString()).not.toContain('10.0.0.5');
    expect(b.toString()).not.toContain('AlicePhone');
    // Passed: identity, privacy, the configured X- header; dropped: any other X- header.
    expect(b.get('p-asserted-identity')).toBe('<sip:alice@example.com>');
    expect(b.get('privacy')).toBe('none');
    expect(b.get('x-billing-id')).toBe('42');
    expect(b.has('x-internal-secret')).toBe(false);
    // Without a media relay the SDP goes through unchanged.
    expect(b.body.toString()).toBe(SDP_A);
    expect(h.relay.forwarded[0]!.targets[0]!.uri.toString()).toBe('sip:bob@192.0.2.20:5062');
  });

  it("gives the caller the callee's provisional and 2xx with the B2BUA's own tag and Contact, none of the callee's", async () => {
    const h = await takenCall();
    h.relay.respond(180, {
      extra: [
        ['x-billing-id', '7'],
        ['server', 'BobBox'],
      ],
    });
    await settle();
    const ringing = h.aTx.responses.find((r) => r.status === 180)!;
    expect(ringing.to.tag).toBeDefined();
    expect(ringing.to.tag).not.toBe('bobtag');
    expect(ringing.callId).toBe(h.aInvite.callId);
    expect(ringing.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    expect(ringing.get('x-billing-id')).toBe('7');
    expect(ringing.has('server')).toBe(false);
    // The caller's Record-Route comes back to it (its dialog); the callee's does not.
    expect(ringing.getAll('record-route')).toEqual(['<sip:edge.alice.example;lr>']);
    h.relay.respond(200, { body: SDP_B });
    await settle();
    const ok = h.aTx.responses.find((r) => r.status === 200)!;
    expect(ok.to.tag).toBe(ringing.to.tag);
    expect(ok.body.toString()).toBe(SDP_B);
    expect(ok.toString()).not.toContain('bobtag');
    expect(ok.toString()).not.toContain('192.0.2.20:5062');
    expect(ok.toString()).not.toContain('carrier-proxy');
    // The callee leg's ACK follows its route set without the relay's own Record-Route.
    const acks = h.transport.statelessRequests('ACK');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.target.address).toBe('carrier-proxy.example');
    expect(acks[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(h.events.types).toEqual(['call.initiated', 'call.ringing', 'call.answered']);
  });
});

describe('B2BUA call: ending', () => {
  it("the caller's BYE becomes the callee leg's BYE; the record says who hung up and the billable seconds", async () => {
    const h = await takenCall();
    h.clock.advance(2_000);
    await answerCall(h);
    h.clock.advance(61_500);
    const byeTx = new FakeServerTransaction(fromCaller(h, 'BYE', 11), CALLER);
    h.core.handleRequest(byeTx.request, byeTx);
    expect(byeTx.statuses).toEqual([200]);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]!.request.callId).toBe(h.relay.invite.callId);
    respondTo(byes[0]!, 200);
    await settle();
    expect(h.records).toHaveLength(1);
    const record = h.records[0]!;
    expect(record).toMatchObject({
      callerCallId: 'alice-call-1@198.51.100.7',
      calleeCallId: h.relay.invite.callId,
      caller: 'sip:alice@example.com',
      callee: 'sip:bob@example.com',
      status: 200,
      cause: 16,
      hangup: 'caller',
      disposition: 'answered',
      setupAt: 0,
      answerAt: 2_000,
      endAt: 63_500,
    });
    expect(h.b2bua.active).toBe(0);
    expect(h.events.types.at(-1)).toBe('call.completed');
    expect(h.events.published.at(-1)).toMatchObject({ hangup: 'caller', status: 200, cause: 16 });
  });

  it("the callee's BYE (with a Q.850 Reason) ends the caller's leg with BYE and the same Reason", async () => {
    const h = await takenCall();
    await answerCall(h);
    const byeTx = new FakeServerTransaction(fromCallee(h, 'BYE', 2, '', 'Reason: Q.850;cause=16\n'));
    h.core.handleRequest(byeTx.request, byeTx);
    expect(byeTx.statuses).toEqual([200]);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]!.request.callId).toBe('alice-call-1@198.51.100.7');
    expect(byes[0]!.request.get('reason')).toBe('Q.850;cause=16');
    expect(byes[0]!.target.address).toBe('edge.alice.example');
    await settle();
    expect(h.records[0]).toMatchObject({ hangup: 'callee', cause: 16, disposition: 'answered' });
  });

  it("CANCEL from the caller cancels the callee leg: 487 to the caller, a 'cancelled' record", async () => {
    const h = await takenCall();
    h.relay.respond(180);
    await settle();
    const cancel = callerCancel();
    const cancelTx = new FakeServerTransaction(cancel, CALLER);
    h.core.handleCancel(cancel, cancelTx, h.aTx);
    expect(cancelTx.statuses).toEqual([200]);
    expect(h.aTx.statuses).toEqual([180, 487]);
    expect(h.relay.cancels).toHaveLength(1);
    expect(h.relay.cancels[0]!.callId).toBe(h.relay.invite.callId);
    h.relay.respond(487);
    await settle();
    expect(h.aTx.statuses).toEqual([180, 487]);
    expect(h.records[0]).toMatchObject({ status: 487, hangup: 'caller', disposition: 'cancelled' });
    expect(h.records[0]!.answerAt).toBeUndefined();
  });

  it('a busy callee: 486 to the caller with the Reason, cause 17, a busy record', async () => {
    const h = await takenCall();
    h.relay.respond(486);
    await settle();
    const busy = h.aTx.responses.at(-1)!;
    expect(busy.status).toBe(486);
    expect(busy.get('reason')).toMatch(/^SIP;cause=486/);
    expect(h.records[0]).toMatchObject({ status: 486, cause: 17, hangup: 'callee', disposition: 'busy' });
    expect(h.events.published.at(-1)).toMatchObject({
      type: 'call.completed',
      disposition: 'busy',
      cause: 17,
    });
  });

  it("a callee's challenge (407) is no business of the caller's: 403", async () => {
    const h = await takenCall();
    h.relay.respond(407, { extra: [['proxy-authenticate', 'Digest realm="carrier", nonce="n"']] });
    await settle();
    const answer = h.aTx.responses.at(-1)!;
    expect(answer.status).toBe(403);
    expect(answer.has('proxy-authenticate')).toBe(false);
  });

  it('a 503 with Retry-After reaches the caller with it; the Q.850 Reason the callee gave wins', async () => {
    const h = await takenCall();
    h.relay.respond(503, {
      extra: [
        ['retry-after', '30'],
        ['reason', 'Q.850;cause=34'],
      ],
    });
    await settle();
    const answer = h.aTx.responses.at(-1)!;
    expect(answer.status).toBe(503);
    expect(answer.get('retry-after')).toBe('30');
    expect(answer.get('reason')).toBe('Q.850;cause=34');
    expect(h.records[0]).toMatchObject({ cause: 34, disposition: 'failed' });
  });

  it('the maximum call duration ends both legs with BYE and a Reason; the node hung up', async () => {
    const h = await takenCall({ maxCallDuration: 60 });
    await answerCall(h);
    h.clock.advance(60_000);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes.map((t) => t.request.callId).sort()).toEqual(
      [h.aInvite.callId, h.relay.invite.callId].sort(),
    );
    for (const bye of byes) expect(bye.request.get('reason')).toContain('Maximum call duration');
    await settle();
    expect(h.records[0]).toMatchObject({ hangup: 'node', disposition: 'answered' });
  });
});

describe('B2BUA call: in-dialog requests', () => {
  it("a caller's re-INVITE (hold) goes to the callee leg as its own re-INVITE; the answer comes back", async () => {
    const h = await takenCall();
    await answerCall(h);
    const hold = SDP_A.replace('m=audio 4000 RTP/AVP 0\r\n', 'm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n');
    const reinviteTx = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, hold), CALLER);
    h.core.handleRequest(reinviteTx.request, reinviteTx);
    await settle();
    const sent = h.transport.sent('INVITE');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(sent[0]!.request.body.toString()).toContain('a=sendonly');
    respondTo(sent[0]!, 200, { body: SDP_B });
    await settle();
    expect(reinviteTx.statuses).toEqual([200]);
    expect(reinviteTx.responses[0]!.body.toString()).toBe(SDP_B);
  });

  it("INFO (DTMF) is relayed with its body and content type; the callee's answer comes back", async () => {
    const h = await takenCall();
    await answerCall(h);
    const info = fromCaller(h, 'INFO', 12);
    info.setBody(Buffer.from('Signal=5\r\nDuration=160\r\n'), 'application/dtmf-relay');
    const infoTx = new FakeServerTransaction(info, CALLER);
    h.core.handleRequest(info, infoTx);
    await settle();
    const sent = h.transport.sent('INFO');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.request.contentType).toBe('application/dtmf-relay');
    expect(sent[0]!.request.body.toString()).toContain('Signal=5');
    respondTo(sent[0]!, 200);
    await settle();
    expect(infoTx.statuses).toEqual([200]);
  });

  it("glare: a re-INVITE from the callee while the caller's is relayed to it gets 491 on its own leg", async () => {
    const h = await takenCall();
    await answerCall(h);
    const reinviteTx = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, SDP_A), CALLER);
    h.core.handleRequest(reinviteTx.request, reinviteTx);
    await settle();
    expect(h.transport.sent('INVITE')).toHaveLength(1);
    const theirs = new FakeServerTransaction(fromCallee(h, 'INVITE', 3, SDP_B));
    h.core.handleRequest(theirs.request, theirs);
    await settle();
    expect(theirs.statuses).toEqual([491]);
  });
});
