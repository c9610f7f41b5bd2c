import { describe, expect, it } from 'vitest';
import { createResponse, type SipResponse } from '../../../src/sip/message/index.js';
import { flush, harness, isStatus, live, request, tcpUac, uac } from './helpers.js';

const register = () => request('REGISTER', { branch: 'z9hG4bK-reg-1' });

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('absorbs retransmissions in Trying, resends the provisional in Proceeding and the final in Completed', () => {
    const h = harness();
    const { tx } = h.serve(register());
    expect(tx?.state).toBe('trying');
    h.layer.receive(register(), uac);
    expect(h.sent).toHaveLength(0);
    const trying = createResponse(tx!.request!, 100);
    tx!.respond(trying);
    expect(tx!.state).toBe('proceeding');
    h.layer.receive(register(), uac);
    expect(h.sent.map((s) => s.message)).toEqual([trying, trying]);
    const ok = createResponse(tx!.request!, 200, undefined, 'reg');
    tx!.respond(ok);
    expect(tx!.state).toBe('completed');
    h.layer.receive(register(), uac);
    h.layer.receive(register(), uac);
    expect(h.sent.map((s) => (s.message as SipResponse).status)).toEqual([100, 100, 200, 200, 200]);
    expect(h.sent.every((s) => s.target.address === uac.address && s.target.port === 5060)).toBe(true);
    expect(h.requests).toHaveLength(1);
    expect(tx!.respond(ok)).toBe(false);
  });

  it('over UDP hands Completed to a compact record that answers retransmissions for Timer J = 64·T1', async () => {
    const h = harness({ timers: { t1: 250 } });
    const { tx, ended } = h.serve(register());
    h.clock.advance(10);
    tx!.respond(createResponse(tx!.request!, 200, undefined, 'x'));
    // Completed until the response is on the wire, then the transaction ends and the layer absorbs.
    expect(tx!.state).toBe('completed');
    await flush();
    expect(ended).toEqual([{ reason: 'normal', at: 10 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.layer.stats().completedServers).toBe(1);
    h.clock.advance(15_999);
    h.layer.receive(register(), uac);
    const resent = h.sent.filter(isStatus(200));
    expect(resent.map((s) => s.at)).toEqual([10, 16_009]); // no Timer G for non-INVITE
    expect(resent[1]!.message.toString()).toBe(resent[0]!.message.toString());
    expect(resent[1]!.target).toEqual(resent[0]!.target);
    expect(h.requests).toHaveLength(1);
    // Past Timer J (and the sweep's granularity) the record is gone and nothing is left scheduled.
    h.clock.advance(1_000);
    expect(h.layer.stats().completedServers).toBe(0);
    expect(h.clock.pending).toBe(0);
    h.layer.receive(register(), uac);
    expect(h.requests).toHaveLength(2); // a new transaction, as RFC 3261 §17.2.2 has it after Timer J
  });

  it('resends the very bytes it sent, whatever octets they hold (UTF-8 reason and body)', async () => {
    const h = harness();
    const { tx } = h.serve(register());
    const final = createResponse(tx!.request!, 403, 'Verboten für Sie', 'x');
    final.set('Content-Type', 'text/plain');
    final.body = Buffer.from('Zugriff verweigert: München ✓ \u0000\u00ff', 'utf8');
    tx!.respond(final);
    await flush();
    expect(h.layer.stats().completedServers).toBe(1);
    h.layer.receive(register(), uac);
    const [first, again] = h.sent.filter(isStatus(403)).map((s) => s.message as SipResponse);
    expect(again!.toBuffer().equals(first!.toBuffer())).toBe(true);
    expect(again!.status).toBe(403);
    expect(again!.reason).toBe('Verboten für Sie');
  });

  it('shares one sweep timer among completed records and expires them in order', async () => {
    const h = harness({ timers: { t1: 500 } });
    for (let i = 0; i < 3000; i++) {
      const { tx } = h.serve(request('REGISTER', { branch: `z9hG4bK-many-${i}` }));
      tx!.respond(createResponse(tx!.request!, 401, undefined, 't'));
      if (i % 1000 === 999) {
        await flush();
        h.clock.advance(10_000);
      }
    }
    expect(h.layer.stats().completedServers).toBe(3000);
    expect(h.clock.pending).toBe(1);
    h.clock.advance(2_200); // at 32.2 s the first thousand (answered at 0) are past Timer J
    expect(h.layer.stats().completedServers).toBe(2000);
    h.clock.advance(20_000);
    expect(h.layer.stats().completedServers).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('terminates at once after the final over a reliable transport (Timer J = 0)', () => {
    const h = harness();
    const { tx, ended } = h.serve(register(), tcpUac);
    tx!.respond(createResponse(tx!.request!, 200, undefined, 'x'));
    expect(ended).toEqual([{ reason: 'normal', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.sent[0]!.target).toEqual({
      protocol: 'tcp',
      address: '192.0.2.10',
      port: 5060,
      connectionId: 'c1',
    });
  });

  it('terminates with transport-error when the response cannot be sent', async () => {
    const h = harness();
    const { tx, ended } = h.serve(register());
    h.state.failSend = true;
    tx!.respond(createResponse(tx!.request!, 200, undefined, 'x'));
    await flush();
    expect(ended).toEqual([{ reason: 'transport-error', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.clock.pending).toBe(0);
  });
});
