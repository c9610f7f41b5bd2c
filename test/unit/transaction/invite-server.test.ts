import { describe, expect, it } from 'vitest';
import { createResponse, type SipResponse } from '../../../src/sip/message/index.js';
// Timers D, I, K, L and M end in a shared sweep, at most this late.
import { SWEEP_GRANULARITY_MS as SWEEP } from '../../../src/sip/transaction/expiry-queue.js';
import { flush, harness, isStatus, live, request, tcpUac, uac } from './helpers.js';

const invite = () => request('INVITE');

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1)', () => {
  it('sends 100 Trying at once, before the TU sees the INVITE', () => {
    const h = harness();
    const { tx } = h.serve(request('INVITE', { extra: ['Timestamp: 54'] }));
    expect(tx?.state).toBe('proceeding');
    expect(h.sent).toHaveLength(1);
    const trying = h.sent[0]!.message as SipResponse;
    expect(trying.status).toBe(100);
    expect(trying.to.tag).toBeUndefined();
    expect(trying.get('timestamp')).toBe('54');
    expect(h.sent[0]!.target).toEqual(uac);
    expect(tx?.lastResponse).toBe(trying);
  });

  it('sends no 100 Trying when disabled, and never for non-INVITE', () => {
    const h = harness({ sendTrying: false });
    h.serve(invite());
    h.serve(request('OPTIONS', { branch: 'z9hG4bK-o' }));
    expect(h.sent).toHaveLength(0);
  });

  it('absorbs INVITE retransmissions in Proceeding by resending the last provisional', () => {
    const h = harness();
    const { tx, req } = h.serve(invite());
    h.layer.receive(invite(), uac);
    expect(h.sent.map((s) => (s.message as SipResponse).status)).toEqual([100, 100]);
    const ringing = createResponse(req!, 180, undefined, 'uas');
    expect(tx!.respond(ringing)).toBe(true);
    h.layer.receive(invite(), uac);
    expect(h.sent.map((s) => s.message)).toEqual([h.sent[0]!.message, h.sent[1]!.message, ringing, ringing]);
    expect(h.requests).toHaveLength(1);
  });

  it('retransmits a non-2xx final with Timer G doubling up to T2 and gives up on Timer H = 64·T1', () => {
    const h = harness();
    const { tx, req, ended } = h.serve(invite());
    h.clock.advance(100);
    tx!.respond(createResponse(req!, 486, undefined, 'uas'));
    expect(tx!.state).toBe('completed');
    h.clock.advance(31_999);
    expect(ended).toEqual([]);
    h.clock.advance(1);
    expect(h.sentAt(isStatus(486))).toEqual([
      100, 600, 1600, 3600, 7600, 11600, 15600, 19600, 23600, 27600, 31600,
    ]);
    expect(ended).toEqual([{ reason: 'timeout', at: 32_100 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
  });

  it('honours configured T1 and T2 for Timer G and H', () => {
    const h = harness({ timers: { t1: 200, t2: 1000 } });
    const { tx, req, ended } = h.serve(invite());
    tx!.respond(createResponse(req!, 404, undefined, 'uas'));
    h.clock.advance(20_000);
    expect(h.sentAt(isStatus(404))).toEqual([
      0, 200, 600, 1400, 2400, 3400, 4400, 5400, 6400, 7400, 8400, 9400, 10400, 11400, 12400,
    ]);
    expect(ended).toEqual([{ reason: 'timeout', at: 12_800 }]);
  });

  it('resends the final on INVITE retransmission in Completed; ACK confirms it and Timer I = T4 ends it', () => {
    const h = harness();
    const { tx, req, ended } = h.serve(invite());
    const busy = createResponse(req!, 486, undefined, 'uas');
    tx!.respond(busy);
    h.clock.advance(100);
    h.layer.receive(invite(), uac);
    expect(h.sentAt(isStatus(486))).toEqual([0, 100]);
    h.clock.advance(300);
    h.layer.receive(request('ACK', { toTag: 'uas' }), uac);
    expect(tx!.state).toBe('confirmed');
    expect(h.acks).toHaveLength(0); // absorbed
    h.layer.receive(request('ACK', { toTag: 'uas' }), uac); // retransmitted ACK absorbed too
    h.layer.receive(invite(), uac); // and INVITE retransmissions
    expect(h.acks).toHaveLength(0);
    h.clock.advance(4999);
    expect(h.sentAt(isStatus(486))).toEqual([0, 100]); // Timer G stopped
    expect(ended).toEqual([]);
    h.clock.advance(1 + SWEEP);
    expect(ended).toEqual([{ reason: 'normal', at: 5400 + SWEEP }]);
    expect(live(h.layer)).toBe(0);
  });

  it('honours a configured T4 for Timer I', () => {
    const h = harness({ timers: { t4: 1234 } });
    const { tx, req, ended } = h.serve(invite());
    tx!.respond(createResponse(req!, 486, undefined, 'uas'));
    h.layer.receive(request('ACK', { toTag: 'uas' }), uac);
    h.clock.advance(1234 + SWEEP);
    expect(ended).toEqual([{ reason: 'normal', at: 1234 + SWEEP }]);
  });

  it('over a reliable transport: no Timer G, Timer H still runs, Timer I is zero', () => {
    const h = harness();
    const first = h.serve(invite(), tcpUac);
    first.tx!.respond(createResponse(first.req!, 486, undefined, 'uas'));
    const second = h.serve(request('INVITE', { branch: 'z9hG4bK-2' }), tcpUac);
    second.tx!.respond(createResponse(second.req!, 603, undefined, 'uas'));
    h.layer.receive(request('ACK', { branch: 'z9hG4bK-2', toTag: 'uas' }), tcpUac);
    expect(second.ended).toEqual([{ reason: 'normal', at: 0 }]);
    h.clock.advance(32_000);
    expect(h.sentAt(isStatus(486))).toEqual([0]);
    expect(first.ended).toEqual([{ reason: 'timeout', at: 32_000 }]);
    expect(h.sent.every((s) => s.target.connectionId === 'c1')).toBe(true);
    expect(live(h.layer)).toBe(0);
  });

  it('on 2xx moves to Accepted: TU 2xx retransmissions pass, INVITE retransmissions are absorbed, ACK goes to the TU, Timer L ends it', () => {
    const h = harness();
    const { tx, req, ended } = h.serve(invite());
    const ok = createResponse(req!, 200, undefined, 'uas');
    h.clock.advance(50);
    expect(tx!.respond(ok)).toBe(true);
    expect(tx!.state).toBe('accepted');
    h.clock.advance(500);
    expect(tx!.respond(ok)).toBe(true); // the TU core retransmits 2xx (§13.3.1.4)
    expect(tx!.respond(createResponse(req!, 486))).toBe(false);
    expect(tx!.respond(createResponse(req!, 180))).toBe(false);
    h.layer.receive(invite(), uac);
    expect(h.sentAt(isStatus(200))).toEqual([50, 550]);
    expect(h.requests).toHaveLength(1);
    // An ACK with the INVITE's branch (e.g. from an RFC 2543-style peer) reaches the TU.
    h.layer.receive(request('ACK', { toTag: 'uas' }), uac);
    // The usual 2xx ACK has a branch of its own.
    h.layer.receive(request('ACK', { toTag: 'uas', branch: 'z9hG4bK-ack' }), uac);
    expect(h.acks).toHaveLength(2);
    h.clock.advance(31_499);
    expect(ended).toEqual([]);
    h.clock.advance(1 + SWEEP);
    expect(ended).toEqual([{ reason: 'normal', at: 32_050 + SWEEP }]);
    expect(tx!.respond(ok)).toBe(false);
    expect(live(h.layer)).toBe(0);
  });

  it('refuses responses once a non-2xx final was sent', () => {
    const h = harness();
    const { tx, req } = h.serve(invite());
    tx!.respond(createResponse(req!, 404, undefined, 'uas'));
    expect(tx!.respond(createResponse(req!, 200, undefined, 'uas'))).toBe(false);
    expect(tx!.respond(createResponse(req!, 180, undefined, 'uas'))).toBe(false);
  });

  it('terminates with transport-error when a response cannot be sent', async () => {
    const h = harness();
    const { tx, req, ended } = h.serve(invite());
    h.state.failSend = true;
    tx!.respond(createResponse(req!, 486, undefined, 'uas'));
    await flush();
    expect(ended).toEqual([{ reason: 'transport-error', at: 0 }]);
    expect(tx!.state).toBe('terminated');
    expect(live(h.layer)).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
  });

  it('terminates with transport-error when the 100 Trying cannot be sent', async () => {
    const h = harness();
    h.state.failSend = true;
    const { tx, req, ended } = h.serve(invite());
    await flush();
    expect(ended).toEqual([{ reason: 'transport-error', at: 0 }]);
    expect(tx!.respond(createResponse(req!, 180))).toBe(false);
  });
});
