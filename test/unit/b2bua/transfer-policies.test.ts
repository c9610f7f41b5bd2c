import { describe, expect, it } from 'vitest';
import { HeldCallPolicies } from '../../../src/b2bua/held-call-policies.js';
import {
  AdmissionControl,
  type AdmissionLimits,
  CallPlanner,
  type CallPolicySource,
  CallRecordings,
  type RelayRecorder,
} from '../../../src/b2bua/index.js';
import { RoutingContext } from '../../../src/routing/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import type { CallPolicies } from '../../../src/store/index.js';
import { SessionMediaRelay } from './fake-media-relay.js';
import {
  CALLER,
  callerAck,
  callerInvite,
  FakeServerTransaction,
  fromCallee,
  fromCaller,
  SDP_A,
  SDP_B,
  settle,
  takenCall,
} from './harness.js';
import { answeredCall, CAROL, FakeRouter, notifies, refer, reply, SDP_C } from './transfer-harness.js';

const ALICE = { aor: 'sip:alice@example.com', user: 'alice', domain: 'example.com' };

function limits(overrides: Partial<AdmissionLimits['concurrent']> & { perSecond?: number }): AdmissionLimits {
  const { perSecond = 0, ...concurrent } = overrides;
  return { concurrent: { subscriber: 0, domain: 0, trunk: 0, ...concurrent }, perSecond, emergency: [] };
}

/** The stages as for a call inside example.com: the target's domain is known, so is the subscriber. */
class DomainRouter extends FakeRouter {
  override route(request: SipRequest, context: RoutingContext) {
    context.domain = 'example.com';
    return super.route(request, context);
  }
}

/** A recorder that starts a recording per call, named after the call. */
class Recorder implements RelayRecorder {
  readonly started: string[] = [];
  readonly stopped: string[] = [];
  async startFromRelay(_relay: unknown, request: { callId: string }) {
    this.started.push(request.callId);
    return { id: `rec-${request.callId}` };
  }
  async stop(id: string) {
    this.stopped.push(id);
  }
}

function recordedSubscribers(...names: string[]): CallPolicySource {
  const found: CallPolicies = {
    subscribers: new Map(),
    domains: new Map(),
    trunks: new Map(),
    recordings: new Map(names.map((name) => [name, { store: true }])),
  };
  return { callPolicies: async () => found, hasCallPolicies: async () => true };
}

/** Alice (a proven subscriber) calls bob, and the call is answered. */
async function aliceCallsBob(options: Parameters<typeof takenCall>[0] & {}) {
  const h = await takenCall({
    router: new FakeRouter(),
    ...options,
    before: (context) => {
      context.caller = ALICE;
    },
  });
  h.relay.respond(200, { body: SDP_B });
  await settle();
  h.core.handleAck(callerAck(h), CALLER);
  await settle();
  return h;
}

/** Alice's REFER to carol on her own leg. */
function aliceRefers(h: Awaited<ReturnType<typeof aliceCallsBob>>, cseq = 11): FakeServerTransaction {
  const tx = new FakeServerTransaction(
    fromCaller(h, 'REFER', cseq, '', 'Refer-To: <sip:carol@example.com>\n'),
    CALLER,
  );
  h.core.handleRequest(tx.request, tx);
  return tx;
}

describe('B2BUA transfer: admission control applies to the call a blind transfer places', () => {
  it("the referrer over its limit: the NOTIFY's sipfrag is the refusal (403), nothing placed, the call goes on", async () => {
    const admission = new AdmissionControl(limits({ subscriber: 1 }));
    const refused: number[] = [];
    const metrics = {
      callStarted: () => {},
      callEnded: () => {},
      callRefused: (s: number) => refused.push(s),
    };
    const h = await answeredCall(new FakeRouter(), { admission, metrics });
    // Bob (the referrer, for whom the stages route the new call) has a call elsewhere already.
    const elsewhere = admission.admit({ subscriber: 'sip:bob@example.com', trunks: [] });
    if (!('release' in elsewhere)) throw new Error('bob not admitted');
    refer(h, '<sip:carol@example.com>');
    await settle();
    expect((await notifies(h)).at(-1)).toEqual([
      'SIP/2.0 403 Too many calls of subscriber sip:bob@example.com',
      'terminated;reason=noresource',
    ]);
    expect(refused).toEqual([403]);
    // RFC 3515: a failed transfer leaves the call as it was: no target leg, no re-INVITE, no BYE.
    expect(h.relay.forwarded).toHaveLength(1);
    expect(h.transport.sent('INVITE')).toHaveLength(0);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    expect(h.b2bua.active).toBe(1);
    expect(h.records).toHaveLength(0);
    // Once bob's other call ends, the same transfer goes through and counts against him.
    elsewhere.release();
    refer(h, '<sip:carol@example.com>', 3);
    await settle();
    expect(h.relay.forwarded).toHaveLength(2);
    expect(admission.count('subscriber', 'sip:bob@example.com')).toBe(1);
    h.relay.respondAt(1, 486, CAROL);
    await settle();
    await notifies(h);
    // The failed attempt released its count.
    expect(admission.count('subscriber', 'sip:bob@example.com')).toBe(0);
  });

  it('the call rate: a transfer in the second its call started gets 503 in the sipfrag', async () => {
    let now = 10_000;
    const admission = new AdmissionControl(limits({ perSecond: 1 }), () => now);
    const h = await aliceCallsBob({ admission });
    aliceRefers(h);
    await settle();
    expect((await notifies(h)).at(-1)).toEqual([
      'SIP/2.0 503 Call rate of subscriber over limit',
      'terminated;reason=noresource',
    ]);
    expect(h.relay.forwarded).toHaveLength(1);
    now += 1_000;
    aliceRefers(h, 12);
    await settle();
    expect(h.relay.forwarded).toHaveLength(2);
  });

  it("the referrer's own call is not counted twice: alice at her limit of 1 transfers; the new call counts until it ends", async () => {
    const admission = new AdmissionControl(limits({ subscriber: 1 }));
    const h = await aliceCallsBob({ admission });
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(1);
    aliceRefers(h);
    await settle();
    expect(h.relay.forwarded).toHaveLength(2);
    // While both calls exist alice counts twice; no third call of hers gets through.
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(2);
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    const bobLeg = h.relay.invite.callId;
    reply(h.transport.sent('INVITE').find((t) => t.request.callId === bobLeg)!, 200, SDP_B);
    await settle();
    expect((await notifies(h)).at(-1)?.[0]).toBe('SIP/2.0 200 OK');
    await settle();
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(1);
    // Bob (the transferee) hangs up the transfer's call: nothing counts any more.
    const bye = new FakeServerTransaction(fromCallee(h, 'BYE', 20));
    h.core.handleRequest(bye.request, bye);
    await settle();
    const carolBye = h.transport
      .sent('BYE')
      .find((t) => t.request.callId === h.relay.forwarded[1]!.request.callId);
    reply(carolBye!, 200);
    await settle();
    expect(h.b2bua.active).toBe(0);
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(0);
  });
});

describe('B2BUA transfer: a store that cannot plan the new call', () => {
  it('the transfer fails with NOTIFY 500 and the call goes on', async () => {
    let failing = false;
    const policies: CallPolicySource = {
      callPolicies: async () => {
        if (failing) throw new Error('store down');
        return { subscribers: new Map(), domains: new Map(), trunks: new Map(), recordings: new Map() };
      },
      hasCallPolicies: async () => true,
    };
    const h = await answeredCall(new FakeRouter(), { policies });
    failing = true;
    refer(h, '<sip:carol@example.com>');
    await settle();
    expect((await notifies(h)).at(-1)).toEqual([
      'SIP/2.0 500 Server Internal Error',
      'terminated;reason=noresource',
    ]);
    expect(h.relay.forwarded).toHaveLength(1);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    expect(h.b2bua.active).toBe(1);
  });
});

describe('B2BUA transfer: recording policies apply to the call a transfer makes', () => {
  it("a target with a recording policy: the transfer's call is recorded once joined; its CDR names the recording", async () => {
    const media = new SessionMediaRelay();
    const recorder = new Recorder();
    const recordings = new CallRecordings({ recorder, relay: media, onUnrecorded: () => {} });
    const h = await answeredCall(new DomainRouter(), {
      media,
      recordings,
      policies: recordedSubscribers('carol@example.com'),
    });
    // Alice's call to bob is nobody's to record.
    expect(recorder.started).toEqual([]);
    refer(h, '<sip:carol@example.com>');
    await settle();
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    reply(h.transport.sent('INVITE')[0]!, 200, SDP_A);
    await settle();
    await notifies(h);
    const transferred = h.b2bua.list()[0]!;
    expect(recorder.started).toEqual([transferred.id]);
    transferred.hangUp();
    await settle();
    for (const bye of h.transport.sent('BYE').filter((t) => t.lastStatus === 0)) reply(bye, 200);
    await settle();
    expect(recorder.stopped).toEqual([`rec-${transferred.id}`]);
    expect(h.records.at(-1)).toMatchObject({ id: transferred.id, recordingId: `rec-${transferred.id}` });
  });

  it("a recorded transferee stays recorded: alice's recorded call, transferred by bob to carol, records the new call too", async () => {
    const media = new SessionMediaRelay();
    const recorder = new Recorder();
    const recordings = new CallRecordings({ recorder, relay: media, onUnrecorded: () => {} });
    const h = await takenCall({
      router: new FakeRouter(),
      media,
      recordings,
      policies: recordedSubscribers('alice@example.com'),
      before: (context) => {
        context.caller = ALICE;
        context.called = { aor: 'sip:bob@example.com', user: 'bob', domain: 'example.com' };
      },
    });
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    await settle();
    const original = h.b2bua.list()[0]!;
    expect(recorder.started).toEqual([original.id]);
    refer(h, '<sip:carol@example.com>');
    await settle();
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    reply(h.transport.sent('INVITE')[0]!, 200, SDP_A);
    await settle();
    await notifies(h);
    await settle();
    const transferred = h.b2bua.list()[0]!;
    expect(transferred.id).not.toBe(original.id);
    expect(recorder.started).toEqual([original.id, transferred.id]);
    // The original call's recording ended with it; its CDR names it.
    expect(recorder.stopped).toEqual([`rec-${original.id}`]);
    expect(h.records[0]).toMatchObject({ id: original.id, recordingId: `rec-${original.id}` });
  });
});

describe('HeldCallPolicies: an attended transfer or Replaces carries the count and recording on', () => {
  it("the joined call takes the transferee's call's count and policy; the call it came from releases nothing", () => {
    const admission = new AdmissionControl(limits({ subscriber: 1 }));
    const policies = new HeldCallPolicies(new CallPlanner('all'), admission);
    const aTx = new FakeServerTransaction(callerInvite(), CALLER);
    const context = new RoutingContext(CALLER, aTx);
    context.caller = ALICE;
    const admitted = policies.admit(aTx.request, context, undefined);
    if (!('release' in admitted)) throw new Error('alice not admitted');
    policies.hold('00000000-0000-0000-0000-000000000001', admitted, {
      subscriber: 'alice@example.com',
      store: true,
    });
    policies.carry(
      { id: '00000000-0000-0000-0000-000000000001' },
      { id: '00000000-0000-0000-0000-000000000002' },
    );
    // The old call ends: alice still counts, for the joined call, which is recorded as hers was.
    policies.release('00000000-0000-0000-0000-000000000001');
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(1);
    expect(policies.recordingOf('00000000-0000-0000-0000-000000000002')).toEqual({
      subscriber: 'alice@example.com',
      store: true,
    });
    expect(policies.admit(aTx.request, context, undefined)).toMatchObject({ status: 403 });
    policies.release('00000000-0000-0000-0000-000000000002');
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(0);
    expect(policies.recordingOf('00000000-0000-0000-0000-000000000002')).toBeUndefined();
  });
});
