import { describe, expect, it } from 'vitest';
import { createResponse, type SipResponse } from '../../../src/sip/message/index.js';
import { SWEEP_GRANULARITY_MS as SWEEP } from '../../../src/sip/transaction/expiry-queue.js';
import { harness, isStatus, request, uac } from './helpers.js';

/** An INVITE answered 2xx at t=0: its transaction is Accepted (RFC 6026 §7.1). */
function accepted(invite = request('INVITE')) {
  const h = harness();
  const served = h.serve(invite);
  const ok = createResponse(served.req!, 200, undefined, 'uas');
  expect(served.tx!.respond(ok)).toBe(true);
  return { h, ...served, ok };
}

describe('INVITE server transaction in Accepted keeps only what RFC 6026 §7.1 needs', () => {
  it('lets the INVITE and its 2xx go, and still absorbs INVITE retransmissions', () => {
    const { h, tx } = accepted();
    expect(tx!.state).toBe('accepted');
    expect(tx!.request).toBeUndefined();
    expect(tx!.lastResponse).toBeUndefined();
    h.layer.receive(request('INVITE'), uac);
    expect(h.requests).toHaveLength(1);
    expect(h.sent.map((s) => (s.message as SipResponse).status)).toEqual([100, 200]);
  });

  it('passes the TU 2xx retransmissions to the INVITE source without keeping them', () => {
    const { h, tx, ok } = accepted();
    h.clock.advance(500);
    expect(tx!.respond(ok)).toBe(true);
    expect(h.sentAt(isStatus(200))).toEqual([0, 500]);
    expect(h.sent.at(-1)!.target).toEqual(uac);
    expect(tx!.lastResponse).toBeUndefined();
  });

  it('hands a CANCEL after the 2xx the Accepted transaction (RFC 3261 §9.2), none after Timer L', () => {
    const during = accepted();
    during.h.layer.receive(request('CANCEL'), uac);
    expect(during.h.cancels.map((c) => c.invite)).toEqual([during.tx]);
    const after = accepted();
    after.h.clock.advance(32_000 + SWEEP);
    after.h.layer.receive(request('CANCEL'), uac);
    expect(after.h.cancels.map((c) => c.invite)).toEqual([undefined]);
  });

  it('runs termination listeners at Timer L, not at the 2xx', () => {
    const { h, tx, ended } = accepted();
    const late: string[] = [];
    tx!.onTerminated((reason) => late.push(reason));
    h.clock.advance(31_999);
    expect(ended).toEqual([]);
    expect(late).toEqual([]);
    h.clock.advance(1 + SWEEP);
    expect(ended).toEqual([{ reason: 'normal', at: 32_000 + SWEEP }]);
    expect(late).toEqual(['normal']);
  });

  it('passes an RFC 2543 ACK to the TU without the 2xx it would have been matched against', () => {
    const { h } = accepted(request('INVITE', { branch: null }));
    h.layer.receive(request('ACK', { branch: null, toTag: 'uas' }), uac);
    expect(h.acks).toHaveLength(1);
    h.layer.receive(request('INVITE', { branch: null }), uac);
    expect(h.requests).toHaveLength(1);
  });
});
