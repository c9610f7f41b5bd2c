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
    const trying = createResponse(tx!.request, 100);
    tx!.respond(trying);
    expect(tx!.state).toBe('proceeding');
    h.layer.receive(register(), uac);
    expect(h.sent.map((s) => s.message)).toEqual([trying, trying]);
    const ok = createResponse(tx!.request, 200, undefined, 'reg');
    tx!.respond(ok);
    expect(tx!.state).toBe('completed');
    h.layer.receive(register(), uac);
    h.layer.receive(register(), uac);
    expect(h.sent.map((s) => (s.message as SipResponse).status)).toEqual([100, 100, 200, 200, 200]);
    expect(h.sent.every((s) => s.target.address === uac.address && s.target.port === 5060)).toBe(true);
    expect(h.requests).toHaveLength(1);
    expect(tx!.respond(ok)).toBe(false);
  });

  it('keeps Completed for Timer J = 64·T1 over UDP', () => {
    const h = harness({ timers: { t1: 250 } });
    const { tx, ended } = h.serve(register());
    h.clock.advance(10);
    tx!.respond(createResponse(tx!.request, 200, undefined, 'x'));
    h.clock.advance(15_999);
    expect(tx!.state).toBe('completed');
    h.clock.advance(1);
    expect(ended).toEqual([{ reason: 'normal', at: 16_010 }]);
    expect(h.sentAt(isStatus(200))).toEqual([10]); // no Timer G for non-INVITE
    expect(live(h.layer)).toBe(0);
  });

  it('terminates at once after the final over a reliable transport (Timer J = 0)', () => {
    const h = harness();
    const { tx, ended } = h.serve(register(), tcpUac);
    tx!.respond(createResponse(tx!.request, 200, undefined, 'x'));
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
    tx!.respond(createResponse(tx!.request, 200, undefined, 'x'));
    await flush();
    expect(ended).toEqual([{ reason: 'transport-error', at: 0 }]);
    expect(live(h.layer)).toBe(0);
    expect(h.clock.pending).toBe(0);
  });
});
