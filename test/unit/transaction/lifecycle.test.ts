import { describe, expect, it } from 'vitest';
import { createResponse, type SipRequest } from '../../../src/sip/message/index.js';
import type { ServerTransaction, TerminationReason } from '../../../src/sip/transaction/index.js';
import { flush, harness, live, next, request, responseTo, tcpUac, uac } from './helpers.js';

describe('transaction layer lifecycle', () => {
  it('counts live transactions by side and kind and forgets every terminated one', async () => {
    const h = harness();
    const reasons: TerminationReason[] = [];
    const unanswered: ServerTransaction[] = [];
    // A mix of everything: clients answered, clients timed out, servers completed and confirmed.
    for (let n = 0; n < 50; n++) {
      const inv = h.client(request('INVITE', { branch: `z9hG4bK-ci${n}` }));
      const opt = h.client(request('OPTIONS', { branch: `z9hG4bK-co${n}` }));
      inv.tx.onTerminated((r) => reasons.push(r));
      opt.tx.onTerminated((r) => reasons.push(r));
      if (n % 2 === 0) {
        h.layer.receive(responseTo(inv.req, 603, 'x'), next);
        h.layer.receive(responseTo(opt.req, 200, 'x'), next);
      }
      const si = h.serve(request('INVITE', { branch: `z9hG4bK-si${n}` }));
      si.tx!.respond(createResponse(si.req!, n % 3 === 0 ? 200 : 486, undefined, 't'));
      if (n % 3 !== 0) h.layer.receive(request('ACK', { branch: `z9hG4bK-si${n}`, toTag: 't' }), uac);
      const sn = h.serve(request('REGISTER', { branch: `z9hG4bK-sn${n}` }), n % 2 ? tcpUac : uac);
      if (n % 5 !== 0) sn.tx!.respond(createResponse(sn.req!, 200, undefined, 't'));
      else unanswered.push(sn.tx!);
    }
    expect(h.layer.stats()).toEqual({
      client: { invite: 50, nonInvite: 50 },
      server: { invite: 50, nonInvite: 25 + 5 },
      completedServers: 0,
      dropped: 0,
    });
    await flush();
    // Over UDP a completed non-INVITE server transaction ends once its final is sent: a record of
    // the response's bytes answers retransmissions for Timer J instead.
    expect(h.layer.stats().server.nonInvite).toBe(10); // the unanswered ones
    expect(h.layer.stats().completedServers).toBe(20);
    h.clock.advance(60_000);
    // A server transaction waits for its TU without a timer (RFC 3261 §17.2): the TU must answer.
    expect(h.layer.stats().server.nonInvite).toBe(10);
    expect(h.layer.stats().completedServers).toBe(0);
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
    for (const tx of unanswered) tx.respond(createResponse(tx.request!, 500, undefined, 't'));
    await flush();
    expect(h.layer.stats().completedServers).toBe(5);
    h.clock.advance(32_100);
    expect(live(h.layer)).toBe(0);
    expect(h.layer.stats().completedServers).toBe(0);
    expect(h.clock.pending).toBe(0);
    expect(reasons.filter((r) => r === 'timeout')).toHaveLength(50);
  });

  it('transactions in Accepted (Timers L, M) and Completed (K) share one timer per wait', () => {
    const h = harness();
    const ended: TerminationReason[] = [];
    for (let n = 0; n < 100; n++) {
      const s = h.serve(request('INVITE', { branch: `z9hG4bK-l${n}` }));
      s.tx!.respond(createResponse(s.req!, 200, undefined, 't'));
      s.tx!.onTerminated((r) => ended.push(r));
      const c = h.client(request('INVITE', { branch: `z9hG4bK-m${n}` }));
      h.layer.receive(responseTo(c.req, 200, 'x'), next);
      const k = h.client(request('BYE', { branch: `z9hG4bK-k${n}` }));
      h.layer.receive(responseTo(k.req, 200, 'x'), next);
      h.clock.advance(10);
    }
    // 64·T1 for Timers L and M, T4 for Timer K: two timers for 300 transactions, and the one of
    // Timers B and F (64·T1), all cancelled by the responses: it fires for nothing at 32 s.
    expect(h.clock.pending).toBe(3);
    h.layer.receive(request('INVITE', { branch: 'z9hG4bK-l5' }), uac); // absorbed in Accepted
    expect(h.requests).toHaveLength(100);
    h.clock.advance(32_000 + 200); // the last one sweeps at most SWEEP_GRANULARITY_MS late
    expect(ended).toHaveLength(100);
    expect(ended.every((r) => r === 'normal')).toBe(true);
    expect(live(h.layer)).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('close() terminates everything with shutdown, stops timers and ignores later input', () => {
    const h = harness();
    const c = h.client(request('INVITE', { branch: 'z9hG4bK-x' }));
    const s = h.serve(request('INVITE'));
    h.serve(request('OPTIONS', { branch: 'z9hG4bK-o' }));
    expect(h.clock.pending).toBeGreaterThan(0);
    h.layer.close();
    expect(c.ended).toEqual([{ reason: 'shutdown', at: 0 }]);
    expect(s.ended).toEqual([{ reason: 'shutdown', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.clock.pending).toBe(0);
    const before = h.sent.length;
    h.layer.receive(request('INVITE', { branch: 'z9hG4bK-late' }), uac);
    expect(h.sent).toHaveLength(before);
    expect(() =>
      h.layer.sendRequest(request('OPTIONS') as SipRequest, next, { onResponse: () => {} }),
    ).toThrow(/closed/);
  });

  it('calls a termination listener added after the end at once', () => {
    const h = harness();
    const s = h.serve(request('REGISTER'), tcpUac);
    s.tx!.respond(createResponse(s.req!, 200, undefined, 't'));
    const late: TerminationReason[] = [];
    s.tx!.onTerminated((r) => late.push(r));
    expect(late).toEqual(['normal']);
  });

  it('hands each termination listener the transaction, so that one listener serves many', () => {
    const h = harness();
    const ended: ServerTransaction[] = [];
    const forget = (_reason: TerminationReason, tx: ServerTransaction) => ended.push(tx);
    const a = h.serve(request('OPTIONS', { branch: 'z9hG4bK-a' }), tcpUac);
    const b = h.serve(request('OPTIONS', { branch: 'z9hG4bK-b' }), tcpUac);
    a.tx!.onTerminated(forget);
    b.tx!.onTerminated(forget);
    b.tx!.respond(createResponse(b.req!, 200, undefined, 't'));
    a.tx!.respond(createResponse(a.req!, 200, undefined, 't'));
    expect(ended).toEqual([b.tx, a.tx]);
    // Added after the end, it is called at once, with the transaction too.
    b.tx!.onTerminated(forget);
    expect(ended[2]).toBe(b.tx);
  });
});
