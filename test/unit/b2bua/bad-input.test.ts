import { describe, expect, it } from 'vitest';
import { answer } from '../ua/fakes.js';
import { answerByes, answerCall, callerCancel, respondTo } from './call-steps.js';
import { SessionMediaRelay } from './fake-media-relay.js';
import {
  CALLER,
  FakeServerTransaction,
  fromCallee,
  fromCaller,
  type Harness,
  SDP_A,
  SDP_B,
  settle,
  takenCall,
} from './harness.js';

// A leg that sends garbage SDP, never answers, answers twice, sends BYE during a re-INVITE, or
// floods re-INVITEs: the call is ended cleanly or the request refused, the other leg told, the CDR
// written, and nothing left behind (call, relay session, timer).

const GARBAGE = 'v=0\r\nGARBAGE\r\nm=audio not-a-port RTP/AVP\r\n';

/** Nothing of the call is left: no call, no relay session, no timer. */
function nothingLeft(h: Harness, relay: SessionMediaRelay): void {
  expect(h.b2bua.active).toBe(0);
  expect(relay.sessions.size).toBe(0);
  expect(h.clock.pending).toBe(0);
  expect(h.records).toHaveLength(1);
}

async function call(options: { sdp?: string; sessionExpires?: number } = {}) {
  const relay = new SessionMediaRelay();
  const h = await takenCall({ media: relay, ...options });
  return { h, relay };
}

describe('B2BUA bad input: garbage SDP', () => {
  it("in the caller's INVITE: 488 with a Reason, no callee leg, a failed CDR, nothing left", async () => {
    const { h, relay } = await call({ sdp: GARBAGE });
    expect(h.aTx.statuses.at(-1)).toBe(488);
    expect(h.aTx.lastResponse?.get('reason')).toMatch(/^SIP;cause=488/);
    expect(h.relay.forwarded).toHaveLength(0);
    await settle();
    expect(h.records[0]).toMatchObject({ status: 488, disposition: 'failed', hangup: 'node' });
    nothingLeft(h, relay);
  });

  it("in the callee's 200: the callee leg gets ACK and BYE with a Reason, the caller 488, one CDR, nothing left", async () => {
    const { h, relay } = await call();
    h.relay.respond(200, { body: GARBAGE });
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(488);
    // RFC 3261 §13.2.2.4: a 2xx is ACKed even when its offer/answer fails, then BYE.
    expect(h.transport.statelessRequests('ACK')).toHaveLength(1);
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId)).toEqual([h.relay.invite.callId]);
    expect(byes[0]!.request.get('reason')).toMatch(/^SIP;cause=488/);
    await answerByes(h);
    expect(h.records[0]).toMatchObject({ status: 488, disposition: 'failed', hangup: 'node' });
    nothingLeft(h, relay);
  });

  it('in a re-INVITE mid-call: 488 to that leg, the other leg never asked, the call goes on', async () => {
    const { h, relay } = await call();
    await answerCall(h);
    const reinvite = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, GARBAGE), CALLER);
    h.core.handleRequest(reinvite.request, reinvite);
    await settle();
    expect(reinvite.statuses).toEqual([488]);
    expect(h.transport.sent('INVITE')).toHaveLength(0);
    expect(h.b2bua.active).toBe(1);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    // A good one afterwards still works.
    const good = new FakeServerTransaction(fromCaller(h, 'INVITE', 13, SDP_A), CALLER);
    h.core.handleRequest(good.request, good);
    await settle();
    const sent = h.transport.sent('INVITE');
    expect(sent).toHaveLength(1);
    respondTo(sent[0]!, 200, { body: SDP_B });
    await settle();
    expect(good.statuses).toEqual([200]);
    expect(relay.sessions.size).toBe(1);
  });
});

describe('B2BUA bad input: a callee that never answers', () => {
  it("its leg's timeout (the relay's 408, Timer C/B) reaches the caller as 408; a no-answer CDR; nothing left", async () => {
    const { h, relay } = await call();
    h.relay.respond(180);
    await settle();
    h.relay.respond(408);
    await settle();
    expect(h.aTx.statuses).toEqual([180, 408]);
    expect(h.records[0]).toMatchObject({ status: 408, disposition: 'no-answer', hangup: 'callee' });
    nothingLeft(h, relay);
  });

  it('a 487 the caller never asked for (the relay CANCELled the ringing leg at Timer C) reaches it as 408', async () => {
    const { h, relay } = await call();
    h.relay.respond(180);
    await settle();
    h.relay.respond(487);
    await settle();
    expect(h.aTx.statuses).toEqual([180, 408]);
    expect(h.aTx.lastResponse?.get('reason')).toBe('SIP;cause=408;text="No answer"');
    expect(h.records[0]).toMatchObject({ status: 408, cause: 102, disposition: 'no-answer' });
    nothingLeft(h, relay);
  });

  it('the caller gives up (CANCEL): 487, the callee leg cancelled, a cancelled CDR, nothing left', async () => {
    const { h, relay } = await call();
    h.relay.respond(180);
    await settle();
    const cancel = callerCancel();
    h.core.handleCancel(cancel, new FakeServerTransaction(cancel, CALLER), h.aTx);
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(487);
    expect(h.relay.cancels).toHaveLength(1);
    // The callee's INVITE ends 487 as the CANCEL asked.
    h.relay.respond(487);
    await settle();
    expect(h.records[0]).toMatchObject({ status: 487, disposition: 'cancelled', hangup: 'caller' });
    nothingLeft(h, relay);
  });
});

describe('B2BUA bad input: a callee that answers twice', () => {
  it('a second 200 with another To tag is ACKed and sent BYE; the call keeps the first', async () => {
    const { h, relay } = await call();
    await answerCall(h);
    const second = answer(h.relay.invite, 200, {
      toTag: 'bobtag2',
      contact: '<sip:bob2@192.0.2.21:5064>',
      body: SDP_B,
    });
    h.relay.forwarded[0]!.transaction.respond(second);
    await settle();
    const acks = h.transport.statelessRequests('ACK');
    expect(acks.map((a) => a.request.to.tag)).toEqual(['bobtag', 'bobtag2']);
    const byes = h.transport.sent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]!.request.to.tag).toBe('bobtag2');
    expect(byes[0]!.request.uri.toString()).toContain('192.0.2.21');
    respondTo(byes[0]!, 200);
    await settle();
    // The caller saw one 200; the call is up with the first answer.
    expect(h.aTx.statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(h.b2bua.active).toBe(1);
    expect(h.records).toHaveLength(0);
    expect(relay.sessions.size).toBe(1);
    // And ends normally.
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 11), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    const calleeBye = h.transport.sent('BYE').at(-1)!;
    expect(calleeBye.request.to.tag).toBe('bobtag');
    respondTo(calleeBye, 200);
    await settle();
    nothingLeft(h, relay);
  });
});

describe('B2BUA bad input: BYE during a re-INVITE', () => {
  it("the caller's pending re-INVITE gets 487, its BYE 200; the callee leg BYE; one CDR; nothing left", async () => {
    const { h, relay } = await call();
    await answerCall(h);
    const reinvite = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, SDP_A), CALLER);
    h.core.handleRequest(reinvite.request, reinvite);
    await settle();
    const relayed = h.transport.sent('INVITE');
    expect(relayed).toHaveLength(1);
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 13), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    expect(bye.statuses).toEqual([200]);
    // RFC 3261 §15.1.2: the INVITE still pending when the BYE came is answered 487.
    expect(reinvite.statuses).toEqual([487]);
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId)).toEqual([h.relay.invite.callId]);
    // The callee answers its re-INVITE late, then the BYE.
    respondTo(relayed[0]!, 200, { body: SDP_B });
    await settle();
    await answerByes(h);
    expect(h.records[0]).toMatchObject({ hangup: 'caller', disposition: 'answered' });
    nothingLeft(h, relay);
  });

  it("the callee's BYE while the caller's re-INVITE is relayed to it: both legs end, one CDR, nothing left", async () => {
    const { h, relay } = await call();
    await answerCall(h);
    const reinvite = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, SDP_A), CALLER);
    h.core.handleRequest(reinvite.request, reinvite);
    await settle();
    const relayed = h.transport.sent('INVITE');
    const theirBye = new FakeServerTransaction(fromCallee(h, 'BYE', 5));
    h.core.handleRequest(theirBye.request, theirBye);
    await settle();
    expect(theirBye.statuses).toEqual([200]);
    // The re-INVITE to the callee dies with its dialog (481); the caller's is answered, not left hanging.
    respondTo(relayed[0]!, 481);
    await settle();
    expect(reinvite.statuses.length).toBe(1);
    expect(reinvite.statuses[0]).toBeGreaterThanOrEqual(400);
    await answerByes(h);
    expect(h.records[0]).toMatchObject({ hangup: 'callee' });
    nothingLeft(h, relay);
  });
});

describe('B2BUA bad input: a flood of re-INVITEs', () => {
  it('while one is in progress, every other gets 500 with Retry-After (RFC 3261 §14.2); no growth', async () => {
    const { h, relay } = await call();
    await answerCall(h);
    const first = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, SDP_A), CALLER);
    h.core.handleRequest(first.request, first);
    await settle();
    const flood: FakeServerTransaction[] = [];
    for (let cseq = 13; cseq < 213; cseq++) {
      const tx = new FakeServerTransaction(fromCaller(h, 'INVITE', cseq, SDP_A), CALLER);
      h.core.handleRequest(tx.request, tx);
      flood.push(tx);
    }
    await settle();
    for (const tx of flood) {
      expect(tx.statuses).toEqual([500]);
      const retry = Number(tx.lastResponse?.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(0);
      expect(retry).toBeLessThanOrEqual(10);
    }
    // One re-INVITE reached the callee and the relay; nothing queued behind it.
    expect(h.transport.sent('INVITE')).toHaveLength(1);
    expect(relay.offers).toHaveLength(2);
    const sent = h.transport.sent('INVITE')[0]!;
    respondTo(sent, 200, { body: SDP_B });
    await settle();
    expect(first.statuses).toEqual([200]);
    expect(h.transport.sent('INVITE')).toHaveLength(1);
    expect(h.b2bua.active).toBe(1);
  });

  it("the node's own re-INVITE in progress on a leg (glare): that leg's re-INVITE gets 491", async () => {
    const { h } = await call({ sessionExpires: 90 });
    await answerCall(h);
    // The node refreshes the caller's leg by re-INVITE at 45 s (the caller allows no UPDATE)...
    h.clock.advance(45_000);
    await settle();
    const refresh = h.transport.sent('INVITE').find((t) => t.request.callId === h.aInvite.callId);
    expect(refresh).toBeDefined();
    // ... and the caller's own re-INVITE crosses it.
    const theirs = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, SDP_A), CALLER);
    h.core.handleRequest(theirs.request, theirs);
    await settle();
    expect(theirs.statuses).toEqual([491]);
  });
});

describe('B2BUA session timer: a refresh nobody answers', () => {
  it('ends the call with Reason SIP;cause=408 (not 481) on the other leg and in the CDR', async () => {
    const { h, relay } = await call({ sessionExpires: 90 });
    await answerCall(h);
    h.clock.advance(45_000);
    await settle();
    const refreshes = h.transport.sent('INVITE').filter((t) => t.request.callId === h.relay.invite.callId);
    expect(refreshes).toHaveLength(1);
    // Timer B fires: the transaction layer reports the timeout.
    refreshes[0]!.handlers.onTimeout?.(refreshes[0]!);
    await settle();
    const toCaller = h.transport.sent('BYE').find((b) => b.request.callId === h.aInvite.callId);
    expect(toCaller?.request.get('reason')).toBe('SIP;cause=408;text="Session refresh failed"');
    await answerByes(h);
    expect(h.records[0]).toMatchObject({
      hangup: 'node',
      cause: 102,
      reason: 'SIP;cause=408;text="Session refresh failed"',
    });
    nothingLeft(h, relay);
  });
});
