import { describe, expect, it } from 'vitest';
import { AdmissionControl, type AdmissionLimits, B2bua } from '../../../src/b2bua/index.js';
import { RoutingContext } from '../../../src/routing/index.js';
import { parseUri } from '../../../src/sip/message/index.js';
import { UserAgentCore } from '../../../src/sip/ua/index.js';
import { FakeClock, FakeServerTransaction, FakeTransport } from '../ua/fakes.js';
import { CALLER, callerInvite, FakeRelay, settle } from './harness.js';

const limits = (over: Partial<AdmissionLimits> = {}): AdmissionLimits => ({
  concurrent: { subscriber: 0, domain: 0, trunk: 0 },
  perSecond: 0,
  emergency: ['112'],
  ...over,
});

describe('admission control', () => {
  it('refuses 403 past a concurrent-call limit and admits again once a call ends', () => {
    const admission = new AdmissionControl(limits({ concurrent: { subscriber: 2, domain: 0, trunk: 0 } }));
    const alice = { subscriber: 'sip:alice@example.com', domain: 'example.com', trunks: [] };
    const first = admission.admit(alice);
    const second = admission.admit(alice);
    const third = admission.admit(alice);
    expect('release' in first && 'release' in second).toBe(true);
    expect(third).toMatchObject({ status: 403 });
    expect((third as { reason: string }).reason).toMatch(/^SIP;cause=403;text="Too many calls of subscriber/);
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(2);
    if ('release' in first) first.release();
    if ('release' in first) first.release(); // twice changes nothing
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(1);
    expect('release' in admission.admit(alice)).toBe(true);
  });

  it('counts a domain and each trunk of a call', () => {
    const admission = new AdmissionControl(limits({ concurrent: { subscriber: 0, domain: 1, trunk: 1 } }));
    expect('release' in admission.admit({ domain: 'example.com', trunks: ['carrier'] })).toBe(true);
    expect(admission.admit({ domain: 'other.org', trunks: ['carrier'] })).toMatchObject({ status: 403 });
    expect(admission.admit({ domain: 'example.com', trunks: [] })).toMatchObject({ status: 403 });
  });

  it('refuses 503 with Retry-After past the calls-per-second limit, within the second only', () => {
    const clock = { now: 10_000 };
    const admission = new AdmissionControl(limits({ perSecond: 2 }), () => clock.now);
    const bob = { subscriber: 'sip:bob@example.com', trunks: [] };
    admission.admit(bob);
    admission.admit(bob);
    expect(admission.admit(bob)).toMatchObject({ status: 503, retryAfter: 1 });
    clock.now = 11_000;
    expect('release' in admission.admit(bob)).toBe(true);
  });

  it('never refuses an emergency number', () => {
    const admission = new AdmissionControl(limits({ concurrent: { subscriber: 1, domain: 0, trunk: 0 } }));
    const carol = { subscriber: 'sip:carol@example.com', trunks: [] };
    admission.admit(carol);
    expect(admission.admit({ ...carol, callee: '+4930' })).toMatchObject({ status: 403 });
    expect('release' in admission.admit({ ...carol, callee: '112' })).toBe(true);
    expect('release' in admission.admit({ ...carol, callee: '+112' })).toBe(true);
  });
});

describe('B2BUA with admission control', () => {
  it('answers the call over the limit 403 with the Reason; the count returns to zero as calls end', async () => {
    const transport = new FakeTransport();
    const core = new UserAgentCore({ transport, timers: new FakeClock() });
    const admission = new AdmissionControl(limits({ concurrent: { subscriber: 1, domain: 0, trunk: 0 } }));
    const refused: number[] = [];
    const b2bua = new B2bua({
      core,
      mode: 'all',
      maxCallDuration: 0,
      isOwnUri: () => false,
      admission,
      metrics: { callStarted: () => {}, callEnded: () => {}, callRefused: (status) => refused.push(status) },
    });
    const relay = new FakeRelay();
    const take = (n: number) => {
      const request = callerInvite();
      request.set('call-id', `call-${n}`);
      const transaction = new FakeServerTransaction(request, CALLER);
      const context = new RoutingContext(CALLER, transaction);
      context.caller = { aor: 'sip:alice@example.com', user: 'alice', domain: 'example.com' };
      b2bua.take({
        request,
        transaction,
        targets: [{ uri: parseUri('sip:bob@192.0.2.20') }],
        context,
        relay,
      });
      return transaction;
    };
    take(1);
    await settle();
    const second = take(2);
    expect(second.statuses).toEqual([403]);
    expect(second.responses[0]!.get('reason')).toMatch(/Too many calls/);
    expect(refused).toEqual([403]);
    expect(relay.forwarded).toHaveLength(1);
    relay.respond(486);
    await settle();
    expect(admission.count('subscriber', 'sip:alice@example.com')).toBe(0);
    expect(b2bua.active).toBe(0);
  });
});

describe('admission limits of one subscriber, domain or trunk (call policies)', () => {
  it("a party's own limit overrides the node's, 0 lifting it; other parties keep the node's", () => {
    const admission = new AdmissionControl(
      { concurrent: { subscriber: 1, domain: 0, trunk: 0 }, perSecond: 0, emergency: [] },
      () => 1_000,
    );
    const vip = new Map([['subscriber:sip:vip@x', { concurrent: 3 }]]);
    const calls = [1, 2, 3].map(() => admission.admit({ subscriber: 'sip:vip@x', trunks: [], limits: vip }));
    expect(calls.every((c) => 'release' in c)).toBe(true);
    expect(admission.admit({ subscriber: 'sip:vip@x', trunks: [], limits: vip })).toMatchObject({
      status: 403,
    });
    const unlimited = new Map([['subscriber:sip:pbx@x', { concurrent: 0 }]]);
    for (let i = 0; i < 5; i++)
      expect('release' in admission.admit({ subscriber: 'sip:pbx@x', trunks: [], limits: unlimited })).toBe(
        true,
      );
    expect('release' in admission.admit({ subscriber: 'sip:plain@x', trunks: [] })).toBe(true);
    expect(admission.admit({ subscriber: 'sip:plain@x', trunks: [] })).toMatchObject({ status: 403 });
  });

  it("a trunk's own call rate: the next call that second gets 503 with Retry-After", () => {
    let now = 5_000;
    const admission = new AdmissionControl(
      { concurrent: { subscriber: 0, domain: 0, trunk: 0 }, perSecond: 0, emergency: [] },
      () => now,
    );
    const limits = new Map([['trunk:carrier', { perSecond: 2 }]]);
    for (let i = 0; i < 2; i++)
      expect('release' in admission.admit({ trunks: ['carrier'], limits })).toBe(true);
    expect(admission.admit({ trunks: ['carrier'], limits })).toMatchObject({ status: 503, retryAfter: 1 });
    expect('release' in admission.admit({ trunks: ['other'], limits })).toBe(true);
    now += 1_000;
    expect('release' in admission.admit({ trunks: ['carrier'], limits })).toBe(true);
  });
});
