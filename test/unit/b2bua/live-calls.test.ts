import { describe, expect, it } from 'vitest';
import { API_HANGUP_REASON, type LiveCall } from '../../../src/b2bua/index.js';
import { answerCall } from './call-steps.js';
import { settle, takenCall } from './harness.js';

function journal() {
  const steps: Array<{ step: 'opened' | 'answered'; call: LiveCall }> = [];
  return {
    steps,
    sink: {
      opened: (call: LiveCall) => void steps.push({ step: 'opened', call }),
      answered: (call: LiveCall) => void steps.push({ step: 'answered', call }),
    },
  };
}

describe('B2BUA live calls', () => {
  it('lists a call with both legs as it goes from setup to ringing to answered, and journals it', async () => {
    const j = journal();
    const h = await takenCall({ journal: j.sink });
    const [setup] = h.b2bua.liveCalls();
    expect(setup).toMatchObject({
      caller: 'sip:alice@example.com',
      callee: 'sip:bob@example.com',
      state: 'setup',
      setupAt: h.clock.now,
      legs: [
        { side: 'caller', callId: h.aInvite.callId, state: 'initial' },
        { side: 'callee', callId: h.relay.invite.callId, state: 'initial' },
      ],
    });
    expect(setup!.mediaRelay).toBeUndefined();
    expect(h.b2bua.liveCall(setup!.id)).toEqual(setup);
    expect(j.steps.map((s) => s.step)).toEqual(['opened']);
    expect(j.steps[0]!.call.id).toBe(setup!.id);

    h.clock.advance(1000);
    h.relay.respond(180);
    await settle();
    expect(h.b2bua.liveCall(setup!.id)).toMatchObject({ state: 'ringing', ringingAt: h.clock.now });
    h.clock.advance(2000);
    await answerCall(h, { ringing: false });
    const answered = h.b2bua.liveCall(setup!.id)!;
    expect(answered).toMatchObject({ state: 'answered', answerAt: h.clock.now });
    expect(answered.legs.map((l) => l.state)).toEqual(['confirmed', 'confirmed']);
    expect(j.steps.map((s) => s.step)).toEqual(['opened', 'answered']);
    expect(j.steps[1]!.call).toMatchObject({ ringingAt: setup!.setupAt + 1000, answerAt: h.clock.now });
  });

  it('hangs up an answered call: BYE on both legs with the Reason, a CDR saying the node ended it', async () => {
    const h = await takenCall();
    await answerCall(h, { ringing: false });
    const id = h.b2bua.liveCalls()[0]!.id;
    const stood = h.b2bua.hangUp(id);
    expect(stood).toMatchObject({ id, state: 'answered' });
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes.map((t) => t.request.callId).sort()).toEqual(
      [h.aInvite.callId, h.relay.invite.callId].sort(),
    );
    for (const bye of byes) expect(bye.request.get('reason')).toBe(API_HANGUP_REASON);
    await settle();
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({
      id,
      hangup: 'node',
      disposition: 'answered',
      cause: 16,
      reason: API_HANGUP_REASON,
    });
    expect(h.b2bua.liveCalls()).toEqual([]);
    expect(h.b2bua.hangUp(id)).toBeUndefined();
  });

  it('hangs up a ringing call: CANCEL to the callee, 480 with the Reason to the caller', async () => {
    const h = await takenCall();
    h.relay.respond(180);
    await settle();
    const id = h.b2bua.liveCalls()[0]!.id;
    expect(h.b2bua.hangUp(id)?.state).toBe('ringing');
    await settle();
    const final = h.aTx.responses.at(-1)!;
    expect(final.status).toBe(480);
    expect(final.get('reason')).toBe(API_HANGUP_REASON);
    expect(h.relay.cancels).toHaveLength(1);
    expect(h.relay.cancels[0]!.get('reason')).toBe(API_HANGUP_REASON);
  });

  it('knows no call by an unknown id', async () => {
    const h = await takenCall();
    expect(h.b2bua.liveCall('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(h.b2bua.hangUp('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(h.b2bua.liveCalls()).toHaveLength(1);
  });
});
