import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../../../src/sip/message/index.js';
import { respondTo } from './call-steps.js';
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

/** The callee's reliable provisional on the callee leg (RFC 3262: Require: 100rel, RSeq). */
function calleeReliable(h: Harness, status: number, rseq: number, body?: string): SipResponse {
  return h.relay.respond(status, {
    ...(body ? { body } : {}),
    extra: [
      ['require', '100rel'],
      ['rseq', String(rseq)],
    ],
  });
}

/** Alice's PRACK for one of our reliable provisionals. */
function callerPrack(h: Harness, cseq: number, provisional: SipResponse, body = ''): FakeServerTransaction {
  const rack = `${provisional.get('rseq')} 10 INVITE`;
  const tx = new FakeServerTransaction(fromCaller(h, 'PRACK', cseq, body, `RAck: ${rack}\n`), CALLER);
  h.core.handleRequest(tx.request, tx);
  return tx;
}

const SUPPORTS_100REL = 'Supported: 100rel\n';

describe('B2BUA reliable provisionals (RFC 3262) end to end', () => {
  it("PRACKs the callee's reliable 183 itself and sends the caller a reliable 183 of its own until PRACKed", async () => {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    expect(h.relay.invite.getAll('supported')).toContain('100rel');
    calleeReliable(h, 183, 4711, SDP_B);
    calleeReliable(h, 183, 4711, SDP_B); // the callee retransmits: no second PRACK, no second 183
    await settle();
    const pracks = h.transport.sent('PRACK');
    expect(pracks).toHaveLength(1);
    expect(pracks[0]!.request.get('rack')).toBe(`4711 ${h.relay.invite.cseq.seq} INVITE`);
    expect(pracks[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(pracks[0]!.request.to.tag).toBe('bobtag');

    const early = h.aTx.responses.filter((r) => r.status === 183);
    expect(early).toHaveLength(1);
    const ours = early[0]!;
    expect(ours.getAll('require')).toContain('100rel');
    expect(ours.get('rseq')).toMatch(/^\d+$/);
    expect(ours.body.toString()).toBe(SDP_B);
    expect(ours.callId).toBe(h.aInvite.callId);
    h.clock.advance(500);
    expect(h.aTx.statuses.filter((s) => s === 183)).toHaveLength(2);

    const prack = callerPrack(h, 11, ours);
    await settle();
    expect(prack.statuses).toEqual([200]);
    h.clock.advance(10_000);
    expect(h.aTx.statuses.filter((s) => s === 183)).toHaveLength(2);

    h.relay.respond(200, { body: SDP_B });
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(200);
    h.core.handleAck(callerAck(h), CALLER);
    expect(h.b2bua.list()[0]?.answerAt).toBeDefined();
  });

  it("holds the caller's 2xx until the caller PRACKs our 183 with SDP", async () => {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    calleeReliable(h, 183, 1, SDP_B);
    await settle();
    h.relay.respond(200, { body: SDP_B });
    await settle();
    expect(h.aTx.statuses).toEqual([183]);
    callerPrack(h, 11, h.aTx.responses[0]!);
    await settle();
    expect(h.aTx.statuses).toEqual([183, 200]);
  });

  it('a caller that never PRACKs the 183 its 2xx waits for gets 504; the answered callee gets BYE', async () => {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    calleeReliable(h, 183, 1, SDP_B);
    await settle();
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.clock.advance(32_000);
    await settle();
    expect(h.aTx.statuses.filter((s) => s >= 200)).toEqual([504]);
    const bye = h.transport.sent('BYE');
    expect(bye.map((b) => b.request.callId)).toEqual([h.relay.invite.callId]);
    respondTo(bye[0]!, 200);
    await settle();
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({ status: 504, disposition: expect.not.stringMatching(/^answered$/) });
  });

  it("with a delayed offer, relays the callee's reliable 183 offer and answers it with the caller's PRACK", async () => {
    const h = await takenCall({ sdp: false, callerExtra: SUPPORTS_100REL });
    expect(h.relay.invite.body.length).toBe(0);
    expect(h.relay.invite.getAll('supported')).toContain('100rel');
    calleeReliable(h, 183, 5, SDP_B);
    await settle();
    // The callee's PRACK must carry the answer: it waits for the caller's.
    expect(h.transport.sent('PRACK')).toHaveLength(0);
    const offer = h.aTx.responses.find((r) => r.status === 183)!;
    expect(offer.get('rseq')).toMatch(/^\d+$/);
    expect(offer.body.toString()).toBe(SDP_B);
    const prack = callerPrack(h, 11, offer, SDP_A);
    await settle();
    expect(prack.statuses).toEqual([200]);
    const calleePrack = h.transport.sent('PRACK');
    expect(calleePrack).toHaveLength(1);
    expect(calleePrack[0]!.request.get('rack')).toBe(`5 ${h.relay.invite.cseq.seq} INVITE`);
    expect(calleePrack[0]!.request.body.toString()).toBe(SDP_A);
    // The 2xx repeats the SDP the caller has; the callee leg's ACK goes at once, without a body.
    h.relay.respond(200, { body: SDP_B });
    await settle();
    const ok = h.aTx.responses.find((r) => r.status === 200)!;
    expect(ok.body.toString()).toBe(SDP_B);
    const acks = h.transport.statelessRequests('ACK');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.request.body.length).toBe(0);
    h.core.handleAck(callerAck(h), CALLER);
    expect(h.b2bua.list()[0]?.answerAt).toBeDefined();
  });

  it('with a delayed offer and a caller without 100rel, offers the callee no 100rel', async () => {
    const h = await takenCall({ sdp: false });
    expect(h.relay.invite.getAll('supported')).not.toContain('100rel');
  });

  it('sends a caller without 100rel plain provisionals while still PRACKing the callee', async () => {
    const h = await takenCall();
    calleeReliable(h, 180, 1);
    await settle();
    expect(h.transport.sent('PRACK')).toHaveLength(1);
    const ringing = h.aTx.responses.find((r) => r.status === 180)!;
    expect(ringing.has('rseq')).toBe(false);
    expect(ringing.getAll('require')).not.toContain('100rel');
    h.clock.advance(5_000);
    expect(h.aTx.statuses.filter((s) => s === 180)).toHaveLength(1);
  });

  it('a caller that requires 100rel gets even a plain 180 reliably', async () => {
    const h = await takenCall({ callerExtra: 'Require: 100rel\n' });
    h.relay.respond(180);
    await settle();
    expect(h.aTx.responses[0]!.get('rseq')).toMatch(/^\d+$/);
    expect(h.transport.sent('PRACK')).toHaveLength(0);
  });

  it('a caller that never PRACKs gets 504 after 64·T1 and the callee leg is cancelled', async () => {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    calleeReliable(h, 180, 1);
    await settle();
    h.clock.advance(32_000);
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(504);
    expect(h.relay.cancels).toHaveLength(1);
    h.relay.respond(487);
    await settle();
    expect(h.records).toHaveLength(1);
    expect(h.records[0]!.status).toBe(504);
  });
});

describe('B2BUA UPDATE in early dialogs (RFC 3311 §5.1)', () => {
  async function earlyCall(): Promise<Harness> {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    calleeReliable(h, 183, 1, SDP_B);
    await settle();
    callerPrack(h, 11, h.aTx.responses[0]!);
    await settle();
    return h;
  }

  it("relays the caller's early UPDATE to the callee's early dialog and the answer back", async () => {
    const h = await earlyCall();
    const offer = SDP_A.replace('m=audio 4000', 'm=audio 4002');
    const update = new FakeServerTransaction(fromCaller(h, 'UPDATE', 12, offer), CALLER);
    h.core.handleRequest(update.request, update);
    await settle();
    const sent = h.transport.sent('UPDATE');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.request.to.tag).toBe('bobtag');
    expect(sent[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(sent[0]!.request.body.toString()).toBe(offer);
    const answer = SDP_B.replace('m=audio 6000', 'm=audio 6002');
    respondTo(sent[0]!, 200, { body: answer });
    await settle();
    expect(update.statuses).toEqual([200]);
    expect(update.responses[0]!.body.toString()).toBe(answer);
  });

  it("relays the callee's early UPDATE to the caller's early dialog", async () => {
    const h = await earlyCall();
    const offer = SDP_B.replace('m=audio 6000', 'm=audio 6004');
    const update = new FakeServerTransaction(fromCallee(h, 'UPDATE', 1, offer), CALLER);
    h.core.handleRequest(update.request, update);
    await settle();
    const sent = h.transport.sent('UPDATE');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.request.callId).toBe(h.aInvite.callId);
    expect(sent[0]!.request.to.tag).toBe('alicetag');
    respondTo(sent[0]!, 200, { body: SDP_A });
    await settle();
    expect(update.statuses).toEqual([200]);
    expect(update.responses[0]!.body.toString()).toBe(SDP_A);
  });

  it('answers an early UPDATE 500 with Retry-After before the offer/answer completed reliably', async () => {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    calleeReliable(h, 183, 1, SDP_B);
    await settle();
    // Our 183 is not PRACKed yet.
    const update = new FakeServerTransaction(fromCaller(h, 'UPDATE', 12, SDP_A), CALLER);
    h.core.handleRequest(update.request, update);
    await settle();
    expect(update.statuses).toEqual([500]);
    expect(update.responses[0]!.get('retry-after')).toBeDefined();
    expect(h.transport.sent('UPDATE')).toHaveLength(0);
  });
});

describe('B2BUA offer in a PRACK (RFC 3262 §5, RFC 6337)', () => {
  const NEW_OFFER = SDP_A.replace('m=audio 4000', 'm=audio 4010');
  const NEW_ANSWER = SDP_B.replace('m=audio 6000', 'm=audio 6010');

  /** The callee's reliable 183 answered alice's offer; our reliable 183 carries that answer to her. */
  async function answeredEarly(): Promise<{ h: Harness; ours: SipResponse }> {
    const h = await takenCall({ callerExtra: SUPPORTS_100REL });
    calleeReliable(h, 183, 1, SDP_B);
    await settle();
    const ours = h.aTx.responses.find((r) => r.status === 183)!;
    expect(ours.body.toString()).toBe(SDP_B);
    return { h, ours };
  }

  it("relays the caller's PRACK offer to the callee in an UPDATE; the answer comes back in the 200 to the PRACK", async () => {
    const { h, ours } = await answeredEarly();
    const prack = callerPrack(h, 11, ours, NEW_OFFER);
    await settle();
    expect(prack.statuses).toEqual([]);
    const update = h.transport.sent('UPDATE');
    expect(update).toHaveLength(1);
    expect(update[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(update[0]!.request.to.tag).toBe('bobtag');
    expect(update[0]!.request.body.toString()).toBe(NEW_OFFER);
    respondTo(update[0]!, 200, { body: NEW_ANSWER });
    await settle();
    expect(prack.statuses).toEqual([200]);
    expect(prack.responses[0]!.body.toString()).toBe(NEW_ANSWER);
    // Our 183 is acknowledged all the same (no retransmission), and the call is answered as usual.
    h.clock.advance(5_000);
    expect(h.aTx.statuses.filter((s) => s === 183)).toHaveLength(1);
    h.relay.respond(200, { body: NEW_ANSWER });
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(200);
  });

  it('a callee whose early dialog has no completed offer/answer cannot take one: 488, nothing sent, the call goes on', async () => {
    // Alice requires 100rel, bob's 183 is a plain one: our 183 is reliable, bob's dialog takes no UPDATE.
    const h = await takenCall({ callerExtra: 'Require: 100rel\n' });
    h.relay.respond(183, { body: SDP_B });
    await settle();
    const ours = h.aTx.responses.find((r) => r.status === 183)!;
    expect(ours.get('rseq')).toMatch(/^\d+$/);
    const prack = callerPrack(h, 11, ours, NEW_OFFER);
    await settle();
    expect(prack.statuses).toEqual([488]);
    expect(prack.responses[0]!.get('reason')).toMatch(/^SIP;cause=488;text="Callee cannot take an offer/);
    expect(h.transport.sent('UPDATE')).toHaveLength(0);
    h.clock.advance(5_000);
    expect(h.aTx.statuses.filter((s) => s === 183)).toHaveLength(1);
    h.relay.respond(200, { body: SDP_B });
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(200);
    expect(h.aTx.responses.at(-1)!.body.toString()).toBe(SDP_B);
  });

  it("the callee's refusal: 488 (or 606) becomes 488, 491 passes through for the caller to retry", async () => {
    const { h, ours } = await answeredEarly();
    const first = callerPrack(h, 11, ours, NEW_OFFER);
    await settle();
    respondTo(h.transport.sent('UPDATE')[0]!, 606);
    await settle();
    expect(first.statuses).toEqual([488]);
    expect(first.responses[0]!.get('reason')).toBe('SIP;cause=488;text="Callee answered the offer 606"');
    // Bob sends another reliable 183 (no SDP); alice's PRACK for it offers again, and bob is busy (491).
    calleeReliable(h, 183, 2);
    await settle();
    const second = h.aTx.responses.filter((r) => r.status === 183).at(-1)!;
    expect(second).not.toBe(ours);
    const again = callerPrack(h, 12, second, NEW_OFFER);
    await settle();
    respondTo(h.transport.sent('UPDATE')[1]!, 491);
    await settle();
    expect(again.statuses).toEqual([491]);
    expect(h.b2bua.active).toBe(1);
  });
});

describe('B2BUA option tags in its dialogs', () => {
  it('takes a session refresh requiring timer (no 420) and a PRACK with Require: 100rel', async () => {
    const h = await takenCall({ sessionExpires: 1800, callerExtra: `${SUPPORTS_100REL}Supported: timer\n` });
    calleeReliable(h, 183, 1, SDP_B);
    await settle();
    const rack = `${h.aTx.responses[0]!.get('rseq')} 10 INVITE`;
    const prack = new FakeServerTransaction(
      fromCaller(h, 'PRACK', 11, '', `RAck: ${rack}\nRequire: 100rel\n`),
      CALLER,
    );
    h.core.handleRequest(prack.request, prack);
    await settle();
    expect(prack.statuses).toEqual([200]);
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    const refresh = new FakeServerTransaction(
      fromCaller(h, 'UPDATE', 12, '', 'Require: timer\nSession-Expires: 1800;refresher=uac\n'),
      CALLER,
    );
    h.core.handleRequest(refresh.request, refresh);
    await settle();
    expect(refresh.statuses).toEqual([200]);
    expect(refresh.responses[0]!.get('session-expires')).toMatch(/^1800;refresher=uac/);
  });
});

describe('B2BUA 422 Session Interval Too Small (RFC 4028 §6, §8)', () => {
  it("answers a caller's Session-Expires below 90 s with 422 and Min-SE, placing no callee leg", async () => {
    const h = await takenCall({
      sessionExpires: 1800,
      callerExtra: 'Supported: timer\nSession-Expires: 30\n',
    });
    expect(h.aTx.statuses).toEqual([422]);
    expect(h.aTx.responses[0]!.get('min-se')).toBe('90');
    expect(h.relay.forwarded).toHaveLength(0);
    expect(h.b2bua.active).toBe(0);
  });

  it('retries the callee leg once with the Min-SE of its 422 and answers the caller as usual', async () => {
    const h = await takenCall({ sessionExpires: 1800 });
    const first = h.relay.invite;
    h.relay.respond(422, { extra: [['min-se', '3600']] });
    await settle();
    expect(h.relay.forwarded).toHaveLength(2);
    const retry = h.relay.invite;
    expect(retry.callId).toBe(first.callId);
    expect(retry.from.tag).toBe(first.from.tag);
    expect(retry.cseq.seq).toBe(first.cseq.seq + 1);
    expect(retry.get('session-expires')).toBe('3600;refresher=uac');
    expect(retry.get('min-se')).toBe('3600');
    expect(h.aTx.statuses.filter((s) => s >= 300)).toEqual([]);
    h.relay.respond(200, { body: SDP_B, extra: [['session-expires', '3600;refresher=uac']] });
    await settle();
    expect(h.aTx.statuses.at(-1)).toBe(200);
    h.core.handleAck(callerAck(h), CALLER);
    // A second 422 is not retried: here none came, and the call is up on the retried INVITE's dialog.
    expect(h.b2bua.list()[0]!.calleeCallId).toBe(first.callId);
  });

  it('a second 422 from the callee fails the call to the caller', async () => {
    const h = await takenCall({ sessionExpires: 1800 });
    h.relay.respond(422, { extra: [['min-se', '3600']] });
    await settle();
    h.relay.respond(422, { extra: [['min-se', '7200']] });
    await settle();
    expect(h.relay.forwarded).toHaveLength(2);
    expect(h.aTx.statuses.at(-1)).toBeGreaterThanOrEqual(400);
    expect(h.records).toHaveLength(1);
  });
});
