import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message/index.js';
// Timers D, I, K, L and M end in a shared sweep, at most this late.
import { SWEEP_GRANULARITY_MS as SWEEP } from '../../../src/sip/transaction/expiry-queue.js';
import { flush, harness, isRequest, live, next, request, responseTo, tcpNext } from './helpers.js';

function invite(): SipRequest {
  return request('INVITE', {
    branch: 'z9hG4bK-out-1',
    extra: ['Route: <sip:p1.example.net;lr>', 'Route: <sip:p2.example.net;lr>'],
  });
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4)', () => {
  it('retransmits with Timer A doubling from T1 and times out with Timer B = 64·T1', () => {
    const h = harness();
    const c = h.client(invite());
    expect(c.tx.state).toBe('calling');
    h.clock.advance(31_999);
    expect(c.events).toEqual([]);
    h.clock.advance(1);
    expect(h.sentAt(isRequest('INVITE'))).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(c.events).toEqual([{ kind: 'timeout', at: 32_000 }]);
    expect(c.ended).toEqual([{ reason: 'timeout', at: 32_000 }]);
    expect(c.tx.state).toBe('terminated');
    expect(live(h.layer)).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
  });

  it('abandon() stops retransmitting at once and ends as a timeout without telling the TU', () => {
    const h = harness();
    const c = h.client(invite());
    h.clock.advance(2_000);
    c.tx.abandon();
    h.clock.advance(40_000);
    expect(h.sentAt(isRequest('INVITE'))).toEqual([0, 500, 1500]);
    expect(c.events).toEqual([]);
    expect(c.ended).toEqual([{ reason: 'timeout', at: 2_000 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('honours a configured T1', () => {
    const h = harness({ timers: { t1: 100 } });
    const c = h.client(invite());
    h.clock.advance(10_000);
    expect(h.sentAt(isRequest('INVITE'))).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(c.events).toEqual([{ kind: 'timeout', at: 6400 }]);
  });

  it('does not retransmit over a reliable transport but still has Timer B', () => {
    const h = harness();
    const c = h.client(invite(), tcpNext);
    h.clock.advance(32_000);
    expect(h.sentAt(isRequest('INVITE'))).toEqual([0]);
    expect(c.ended).toEqual([{ reason: 'timeout', at: 32_000 }]);
  });

  it('stops Timer A and B on a provisional response and passes it to the TU', () => {
    const h = harness();
    const c = h.client(invite());
    h.clock.advance(600);
    h.layer.receive(responseTo(c.req, 180, 'uas'), next);
    expect(c.tx.state).toBe('proceeding');
    expect(c.responses.map((r) => r.status)).toEqual([180]);
    expect(c.tx.lastStatus).toBe(180);
    h.clock.advance(100_000);
    expect(h.sentAt(isRequest('INVITE'))).toEqual([0, 500]);
    expect(c.events).toEqual([]);
    expect(c.tx.state).toBe('proceeding');
    expect(h.clock.pending).toBe(0);
  });

  it('ACKs a non-2xx final inside the transaction per §17.1.1.3 and resends it on each retransmission', () => {
    const h = harness();
    const inv = invite();
    const c = h.client(inv);
    h.layer.receive(responseTo(inv, 100), next);
    h.layer.receive(responseTo(inv, 486, 'busy-tag'), next);
    expect(c.tx.state).toBe('completed');
    expect(c.responses.map((r) => r.status)).toEqual([100, 486]);
    const acks = h.sent.filter(isRequest('ACK'));
    expect(acks).toHaveLength(1);
    const ack = acks[0]!.message as SipRequest;
    expect(acks[0]!.target).toEqual(next);
    expect(ack.uriText).toBe(inv.uriText);
    expect(ack.callId).toBe(inv.callId);
    expect(ack.get('from')).toBe(inv.get('from'));
    expect(ack.to.tag).toBe('busy-tag');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.getAll('via')).toEqual([inv.getAll('via')[0]]);
    expect(ack.getAll('route')).toEqual(['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']);

    h.layer.receive(responseTo(inv, 486, 'busy-tag'), next);
    h.layer.receive(responseTo(inv, 486, 'busy-tag'), next);
    expect(h.sent.filter(isRequest('ACK'))).toHaveLength(3);
    expect(h.sent.filter(isRequest('ACK'))[2]!.message).toBe(ack);
    expect(c.responses.map((r) => r.status)).toEqual([100, 486]); // retransmissions not passed up
  });

  it('keeps Completed for Timer D = 32 s over UDP', () => {
    const h = harness();
    const c = h.client(invite());
    h.clock.advance(1000);
    h.layer.receive(responseTo(c.req, 503, 'x'), next);
    h.clock.advance(31_999);
    expect(c.tx.state).toBe('completed');
    h.clock.advance(1 + SWEEP);
    expect(c.ended).toEqual([{ reason: 'normal', at: 33_000 + SWEEP }]);
    expect(live(h.layer)).toBe(0);
  });

  it('keeps Timer D at 32 s even with a small T1, and 64·T1 when T1 is larger', () => {
    for (const [t1, d] of [
      [100, 32_000],
      [1000, 64_000],
    ] as const) {
      const h = harness({ timers: { t1 } });
      const c = h.client(invite());
      h.layer.receive(responseTo(c.req, 404, 'x'), next);
      h.clock.advance(d - 1);
      expect(c.ended).toEqual([]);
      h.clock.advance(1 + SWEEP);
      expect(c.ended).toEqual([{ reason: 'normal', at: d + SWEEP }]);
    }
  });

  it('terminates at once after ACKing a non-2xx over a reliable transport (Timer D = 0)', () => {
    const h = harness();
    const c = h.client(invite(), tcpNext);
    h.layer.receive(responseTo(c.req, 486, 'x'), tcpNext);
    expect(h.sent.filter(isRequest('ACK')).map((s) => s.target)).toEqual([tcpNext]);
    expect(c.responses.map((r) => r.status)).toEqual([486]);
    expect(c.ended).toEqual([{ reason: 'normal', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    // A late retransmission is now a stray response.
    h.layer.receive(responseTo(c.req, 486, 'x'), tcpNext);
    expect(h.strays).toHaveLength(1);
  });

  it('moves to Accepted on 2xx, passes retransmitted and forked 2xx to the TU, ends on Timer M', () => {
    const h = harness();
    const c = h.client(invite());
    h.clock.advance(200);
    h.layer.receive(responseTo(c.req, 200, 'uas-a'), next);
    expect(c.tx.state).toBe('accepted');
    // Nothing is sent from Accepted: the transaction keeps its key and the TU's handlers only.
    expect(c.tx.request).toBeUndefined();
    h.layer.receive(responseTo(c.req, 200, 'uas-a'), next);
    h.layer.receive(responseTo(c.req, 200, 'uas-b'), next);
    h.layer.receive(responseTo(c.req, 180, 'uas-c'), next); // absorbed
    h.layer.receive(responseTo(c.req, 486, 'uas-d'), next); // absorbed
    expect(c.responses.map((r) => `${r.status} ${r.to.tag}`)).toEqual([
      '200 uas-a',
      '200 uas-a',
      '200 uas-b',
    ]);
    expect(h.sent.filter(isRequest('ACK'))).toHaveLength(0); // the TU ACKs 2xx
    expect(h.sentAt(isRequest('INVITE'))).toEqual([0]);
    h.clock.advance(31_999);
    expect(c.tx.state).toBe('accepted');
    h.clock.advance(1 + SWEEP);
    expect(c.ended).toEqual([{ reason: 'normal', at: 32_200 + SWEEP }]);
    expect(live(h.layer)).toBe(0);
  });

  it('reports a transport error to the TU and terminates', async () => {
    const h = harness();
    h.state.failSend = true;
    const c = h.client(invite());
    expect(c.events).toEqual([]); // reported asynchronously, after sendRequest returned
    await flush();
    expect(c.events).toEqual([{ kind: 'transport-error', at: 0 }]);
    expect(c.ended).toEqual([{ reason: 'transport-error', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
  });

  it('reports a failed retransmission as a transport error', async () => {
    const h = harness();
    const c = h.client(invite());
    h.state.failSend = true;
    h.clock.advance(500);
    await flush();
    expect(c.events).toEqual([{ kind: 'transport-error', at: 500 }]);
    expect(c.tx.state).toBe('terminated');
  });
});
