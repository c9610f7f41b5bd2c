import { describe, expect, it } from 'vitest';
// Timers D, I, K, L and M end in a shared sweep, at most this late.
import { SWEEP_GRANULARITY_MS as SWEEP } from '../../../src/sip/transaction/expiry-queue.js';
import { flush, harness, isRequest, live, next, request, responseTo, tcpNext } from './helpers.js';

const options = () => request('OPTIONS', { branch: 'z9hG4bK-opt-1' });

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('retransmits with Timer E doubling from T1 capped at T2, times out with Timer F = 64·T1', () => {
    const h = harness();
    const c = h.client(options());
    expect(c.tx.state).toBe('trying');
    h.clock.advance(31_999);
    expect(c.events).toEqual([]);
    h.clock.advance(1);
    expect(h.sentAt(isRequest('OPTIONS'))).toEqual([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(c.events).toEqual([{ kind: 'timeout', at: 32_000 }]);
    expect(c.ended).toEqual([{ reason: 'timeout', at: 32_000 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
  });

  it('honours configured T1 and T2', () => {
    const h = harness({ timers: { t1: 100, t2: 400 } });
    const c = h.client(options());
    h.clock.advance(2000);
    expect(h.sentAt(isRequest('OPTIONS'))).toEqual([0, 100, 300, 700, 1100, 1500, 1900]);
    h.clock.advance(10_000);
    expect(c.events).toEqual([{ kind: 'timeout', at: 6400 }]);
  });

  it('retransmits at T2 once Proceeding', () => {
    const h = harness();
    const c = h.client(options());
    h.clock.advance(600); // E fired at 500, next due at 1500
    h.layer.receive(responseTo(c.req, 100), next);
    expect(c.tx.state).toBe('proceeding');
    expect(c.responses.map((r) => r.status)).toEqual([100]);
    h.clock.advance(13_400); // to 14000
    expect(h.sentAt(isRequest('OPTIONS'))).toEqual([0, 500, 1500, 5500, 9500, 13500]);
    h.clock.advance(18_000);
    expect(c.events).toEqual([{ kind: 'timeout', at: 32_000 }]);
  });

  it('completes on a final response, absorbs its retransmissions and ends after Timer K = T4', () => {
    const h = harness();
    const c = h.client(options());
    h.clock.advance(700);
    h.layer.receive(responseTo(c.req, 200, 'uas'), next);
    h.layer.receive(responseTo(c.req, 200, 'uas'), next);
    expect(c.tx.state).toBe('completed');
    expect(c.responses.map((r) => r.status)).toEqual([200]);
    expect(c.tx.lastStatus).toBe(200);
    h.clock.advance(4999);
    expect(c.tx.state).toBe('completed');
    expect(h.sentAt(isRequest('OPTIONS'))).toEqual([0, 500]);
    h.clock.advance(1 + SWEEP);
    expect(c.ended).toEqual([{ reason: 'normal', at: 5700 + SWEEP }]);
    expect(live(h.layer)).toBe(0);
  });

  it('honours a configured T4 for Timer K', () => {
    const h = harness({ timers: { t4: 2000 } });
    const c = h.client(options());
    h.layer.receive(responseTo(c.req, 404, 'x'), next);
    h.clock.advance(2000 + SWEEP);
    expect(c.ended).toEqual([{ reason: 'normal', at: 2000 + SWEEP }]);
  });

  it('over a reliable transport: no retransmission, Timer F still runs, Timer K is zero', () => {
    const h = harness();
    const slow = h.client(request('OPTIONS', { branch: 'z9hG4bK-slow' }), tcpNext);
    const fast = h.client(options(), tcpNext);
    h.layer.receive(responseTo(fast.req, 200, 'x'), tcpNext);
    expect(fast.ended).toEqual([{ reason: 'normal', at: 0 }]);
    h.clock.advance(32_000);
    expect(h.sentAt(isRequest('OPTIONS'))).toEqual([0, 0]);
    expect(slow.ended).toEqual([{ reason: 'timeout', at: 32_000 }]);
    expect(live(h.layer)).toBe(0);
  });

  it('reports a transport error to the TU and terminates', async () => {
    const h = harness();
    h.state.failSend = true;
    const c = h.client(options());
    await flush();
    expect(c.events).toEqual([{ kind: 'transport-error', at: 0 }]);
    expect(c.ended).toEqual([{ reason: 'transport-error', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
  });
});
