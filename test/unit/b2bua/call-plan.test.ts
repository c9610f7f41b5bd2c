import { describe, expect, it } from 'vitest';
import { combineCodecs, type PartiesOfCall, planCall } from '../../../src/b2bua/index.js';
import type { CallPolicies, CallPolicy, Trunk } from '../../../src/store/index.js';

const trunk = (name: string, codecs: string[] = []) => ({ name, codecs }) as unknown as Trunk;

function policies(
  entries: {
    subscribers?: Record<string, CallPolicy>;
    domains?: Record<string, CallPolicy>;
    trunks?: Record<string, CallPolicy>;
    recordings?: string[];
  } = {},
): CallPolicies {
  return {
    subscribers: new Map(Object.entries(entries.subscribers ?? {})),
    domains: new Map(Object.entries(entries.domains ?? {})),
    trunks: new Map(Object.entries(entries.trunks ?? {})),
    recordings: new Map((entries.recordings ?? []).map((s) => [s, { store: true }])),
  };
}

const alice = { name: 'alice@a.example', domain: 'a.example', nated: false };
const bob = { name: 'bob@b.example', domain: 'b.example', nated: false };
const local: PartiesOfCall = { caller: alice, callee: bob };
const toTrunk: PartiesOfCall = { caller: alice, trunk: trunk('carrier') };

describe('which calls the B2BUA takes: precedence', () => {
  it('with no policy, the node default decides (b2bua.mode)', () => {
    expect(planCall('off', local, policies())).toMatchObject({ take: false, why: 'b2bua.mode off' });
    expect(planCall('all', local, policies())).toMatchObject({ take: true, why: 'b2bua.mode all' });
    expect(planCall('trunks', local, policies()).take).toBe(false);
    expect(planCall('trunks', toTrunk, policies()).take).toBe(true);
    expect(planCall('trunks', { caller: alice, offNet: true }, policies()).take).toBe(true);
  });

  it('a subscriber beats its domain, a domain beats the trunk, the trunk beats the node mode', () => {
    const all = policies({
      subscribers: { 'alice@a.example': { b2bua: 'never' } },
      domains: { 'a.example': { b2bua: 'always' } },
      trunks: { carrier: { b2bua: 'always' } },
    });
    expect(planCall('all', toTrunk, all)).toMatchObject({
      take: false,
      why: 'subscriber alice@a.example: never',
    });
    const domainOnly = policies({
      domains: { 'a.example': { b2bua: 'never' } },
      trunks: { carrier: { b2bua: 'always' } },
    });
    expect(planCall('all', toTrunk, domainOnly)).toMatchObject({
      take: false,
      why: 'domain a.example: never',
    });
    const trunkOnly = policies({ trunks: { carrier: { b2bua: 'never' } } });
    expect(planCall('all', toTrunk, trunkOnly)).toMatchObject({ take: false, why: 'trunk carrier: never' });
    expect(planCall('off', toTrunk, policies({ trunks: { carrier: { b2bua: 'always' } } })).take).toBe(true);
  });

  it('within a level, taking wins: the callee always, the caller never → taken', () => {
    const found = policies({
      subscribers: { 'alice@a.example': { b2bua: 'never' }, 'bob@b.example': { b2bua: 'always' } },
    });
    expect(planCall('off', local, found)).toMatchObject({
      take: true,
      why: 'subscriber bob@b.example: always',
    });
  });

  it('nat takes the calls of phones behind NAT and lets the next level decide the others', () => {
    const found = policies({ domains: { 'a.example': { b2bua: 'nat' } } });
    const nated = { caller: { ...alice, nated: true }, callee: bob };
    expect(planCall('off', nated, found)).toMatchObject({
      take: true,
      why: 'domain a.example: nat (behind NAT)',
    });
    expect(planCall('off', local, found)).toMatchObject({ take: false, why: 'b2bua.mode off' });
    expect(planCall('trunks', toTrunk, found).take).toBe(true);
    // The node default nat: calls whose caller or callee is behind NAT.
    expect(planCall('nat', { caller: alice, callee: { ...bob, nated: true } }, policies()).take).toBe(true);
    expect(planCall('nat', local, policies()).take).toBe(false);
  });

  it('a recorded call is always taken, even against never, and the plan carries the policy', () => {
    const found = policies({
      subscribers: { 'bob@b.example': { b2bua: 'never' } },
      recordings: ['bob@b.example'],
    });
    const plan = planCall('off', local, found);
    expect(plan).toMatchObject({ take: true, why: 'recorded bob@b.example' });
    expect(plan.recording).toEqual({ subscriber: 'bob@b.example', store: true });
  });
});

describe('limits of the parties', () => {
  it('maps each party with limits to the key admission control counts it under', () => {
    const found = policies({
      subscribers: { 'alice@a.example': { maxCalls: 1 } },
      domains: { 'a.example': { maxCallRate: 5, b2bua: 'always' } },
      trunks: { carrier: { maxCalls: 0 } },
    });
    const plan = planCall('all', toTrunk, found);
    expect([...plan.limits]).toEqual([
      ['subscriber:sip:alice@a.example', { concurrent: 1 }],
      ['domain:a.example', { perSecond: 5 }],
      ['trunk:carrier', { concurrent: 0 }],
    ]);
  });
});

describe('codec policies of the call', () => {
  it("the callee side gets its trunk's rules, restricted by the caller's; the caller side the reverse", () => {
    const found = policies({
      subscribers: { 'alice@a.example': { codecs: { allow: ['PCMA', 'PCMU', 'G722'], ptime: 20 } } },
      trunks: { carrier: { codecs: { allow: ['PCMU', 'PCMA'], strip: ['G729'], ptime: 30 } } },
    });
    const plan = planCall('all', { caller: alice, trunk: trunk('carrier', ['PCMA']) }, found);
    expect(plan.codecs.toCallee).toEqual({
      allow: ['PCMU', 'PCMA'],
      strip: ['g729'],
      order: ['PCMA'],
      ptime: 30,
    });
    expect(plan.codecs.toCaller).toEqual({
      allow: ['PCMA', 'PCMU'],
      strip: ['g729'],
      order: ['PCMA'],
      ptime: 20,
    });
  });

  it("a subscriber without rules follows its domain's; the trunk's codecs list alone is the order", () => {
    const found = policies({ domains: { 'b.example': { codecs: { strip: ['PCMU'] } } } });
    expect(planCall('all', local, found).codecs.toCallee).toEqual({ strip: ['pcmu'] });
    expect(
      planCall('all', { caller: alice, trunk: trunk('t', ['G722', 'PCMA']) }, policies()).codecs,
    ).toEqual({
      toCallee: { order: ['G722', 'PCMA'] },
      toCaller: { order: ['G722', 'PCMA'] },
    });
  });

  it('allow-lists with nothing in common keep only telephone-event (the call is refused 488)', () => {
    expect(combineCodecs({ allow: ['PCMA'] }, { allow: ['PCMU'] })).toEqual({ allow: ['telephone-event'] });
    expect(combineCodecs(undefined, undefined)).toBeUndefined();
  });
});

describe('the SRTP of the callee leg', () => {
  it('is absent (plain RTP/AVP) without a policy, and whatever the caller side asks', () => {
    expect(planCall('all', local, policies()).calleeSrtp).toBeUndefined();
    const callerOnly = policies({
      subscribers: { 'alice@a.example': { srtp: 'sdes' } },
      domains: { 'a.example': { srtp: 'sdes' } },
    });
    expect(planCall('all', local, callerOnly).calleeSrtp).toBeUndefined();
  });

  it("is the outbound trunk's, else the callee's own, else the callee's domain's", () => {
    const all = policies({
      subscribers: { 'bob@b.example': { srtp: 'off' } },
      domains: { 'b.example': { srtp: 'sdes' } },
      trunks: { carrier: { srtp: 'sdes' } },
    });
    expect(planCall('all', { caller: alice, callee: bob, trunk: trunk('carrier') }, all).calleeSrtp).toBe(
      'sdes',
    );
    expect(planCall('all', local, all).calleeSrtp).toBe('off');
    const domainOnly = policies({ domains: { 'b.example': { srtp: 'sdes' } } });
    expect(planCall('all', local, domainOnly).calleeSrtp).toBe('sdes');
    const trunkWithout = policies({ trunks: { carrier: { b2bua: 'always' } } });
    expect(planCall('all', toTrunk, trunkWithout).calleeSrtp).toBeUndefined();
  });
});
