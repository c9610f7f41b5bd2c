import { describe, expect, it } from 'vitest';
import { answerCall, respondTo } from './call-steps.js';
import { CALLER, FakeServerTransaction, fromCaller, settle, takenCall } from './harness.js';

describe('B2BUA session timers (RFC 4028)', () => {
  it('asks the callee for timers and, for a caller without them, refreshes the caller itself', async () => {
    const h = await takenCall({ sessionExpires: 1800 });
    const invite = h.relay.invite;
    expect(invite.getAll('supported')).toContain('timer');
    expect(invite.get('session-expires')).toBe('1800;refresher=uac');
    expect(invite.get('min-se')).toBe('90');
    await answerCall(h, { ringing: false });
    const ok = h.aTx.responses.find((r) => r.status === 200)!;
    expect(ok.get('session-expires')).toBe('1800;refresher=uas');
    expect(ok.has('require')).toBe(false);
  });

  it('refreshes the callee leg by UPDATE at half the interval; a 481 ends the call on both legs', async () => {
    const h = await takenCall({ sessionExpires: 1800 });
    await answerCall(h, {
      ringing: false,
      calleeExtra: [
        ['allow', 'INVITE, ACK, BYE, CANCEL, UPDATE'],
        ['session-expires', '120;refresher=uac'],
      ],
    });
    h.clock.advance(59_000);
    await settle();
    expect(h.transport.sent('UPDATE')).toHaveLength(0);
    h.clock.advance(1_000);
    await settle();
    const updates = h.transport.sent('UPDATE');
    expect(updates.map((u) => u.request.callId)).toEqual([h.relay.invite.callId]);
    expect(updates[0]!.request.get('session-expires')).toBe('120;refresher=uac');
    respondTo(updates[0]!, 481);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId)).toEqual([h.aInvite.callId]);
    expect(byes[0]!.request.get('reason')).toContain('Session refresh failed');
    expect(h.records[0]).toMatchObject({ hangup: 'node', cause: 102, disposition: 'answered' });
  });

  it('expects the refresh of a caller that refreshes, and ends the call when none comes', async () => {
    const h = await takenCall({
      sessionExpires: 1800,
      callerExtra: 'Supported: timer\nSession-Expires: 120;refresher=uac\n',
    });
    await answerCall(h, { ringing: false, calleeExtra: [['session-expires', '1800;refresher=uac']] });
    const ok = h.aTx.responses.find((r) => r.status === 200)!;
    expect(ok.get('session-expires')).toBe('120;refresher=uac');
    expect(ok.get('require')).toBe('timer');
    // The caller refreshes once (UPDATE without SDP, answered here with Session-Expires)...
    h.clock.advance(60_000);
    const update = new FakeServerTransaction(fromCaller(h, 'UPDATE', 11), CALLER);
    h.core.handleRequest(update.request, update);
    expect(update.statuses).toEqual([200]);
    expect(update.responses[0]!.get('session-expires')).toBe('120;refresher=uac');
    h.clock.advance(87_000);
    await settle();
    expect(h.transport.sent('BYE')).toHaveLength(0);
    // ...then falls silent: 120 - 32 s after its last refresh, both legs get BYE.
    h.clock.advance(1_000);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId).sort()).toEqual(
      [h.aInvite.callId, h.relay.invite.callId].sort(),
    );
    for (const bye of byes) expect(bye.request.get('reason')).toContain('Session timer expired');
    expect(h.records[0]).toMatchObject({ hangup: 'node', cause: 102 });
  });
});
