import { describe, expect, it } from 'vitest';
import { CallPlanner, type CallPolicySource, partiesOf } from '../../../src/b2bua/index.js';
import { RoutingContext } from '../../../src/routing/index.js';
import { parseUri } from '../../../src/sip/message/index.js';
import type { CallPolicies, CallPolicyKeys } from '../../../src/store/index.js';
import { request } from '../ua/fakes.js';

const SOURCE = { protocol: 'udp' as const, address: '198.51.100.7', port: 5070 };

/** alice's INVITE to bob, her Contact as given (a private address: behind NAT). */
const invite = (contactHost: string) =>
  request(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP ${contactHost}:5070;branch=z9hG4bK1;rport
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: c1
CSeq: 1 INVITE
Contact: <sip:alice@${contactHost}:5070>
Content-Length: 0

`);

function aliceCallsBob(): RoutingContext {
  const context = new RoutingContext(SOURCE, undefined);
  context.caller = { aor: 'sip:alice@Example.com', user: 'alice', domain: 'Example.com' };
  context.domain = 'example.com';
  return context;
}

describe('the parties of a call, and whether their phones are behind NAT', () => {
  it('a caller whose Contact and Via name a private address is behind NAT; one at its source is not', () => {
    const nated = partiesOf(invite('10.0.0.5'), aliceCallsBob(), []);
    expect(nated.caller).toEqual({ name: 'alice@example.com', domain: 'example.com', nated: true });
    expect(nated.callee).toMatchObject({ name: 'bob@example.com', domain: 'example.com', nated: false });
    expect(partiesOf(invite('198.51.100.7'), aliceCallsBob(), []).caller?.nated).toBe(false);
  });

  it("a callee whose registered contact is not where its REGISTER came from is behind NAT (Kamailio's nat=yes)", () => {
    const behind = [
      {
        uri: parseUri('sip:bob@192.168.1.20:5060'),
        nextHop: { protocol: 'udp' as const, address: '203.0.113.9', port: 40000 },
      },
    ];
    const direct = [
      {
        uri: parseUri('sip:bob@203.0.113.9:5060'),
        nextHop: { protocol: 'udp' as const, address: '203.0.113.9', port: 5060 },
      },
    ];
    expect(partiesOf(invite('198.51.100.7'), aliceCallsBob(), behind).callee?.nated).toBe(true);
    expect(partiesOf(invite('198.51.100.7'), aliceCallsBob(), direct).callee?.nated).toBe(false);
  });

  it('a domain set to nat takes the call of its NATed phone and leaves the others to b2bua.mode', async () => {
    const asked: CallPolicyKeys[] = [];
    const source: CallPolicySource = {
      async callPolicies(keys) {
        asked.push(keys);
        const found: CallPolicies = {
          subscribers: new Map(),
          domains: new Map([['example.com', { b2bua: 'nat' }]]),
          trunks: new Map(),
          recordings: new Map(),
        };
        return found;
      },
      hasCallPolicies: async () => true,
    };
    const planner = new CallPlanner('off', source);
    const context = aliceCallsBob();
    expect(await planner.takes(invite('10.0.0.5'), context, [])).toBe(true);
    expect(planner.planOf(context)?.why).toBe('domain example.com: nat (behind NAT)');
    expect(await planner.takes(invite('198.51.100.7'), aliceCallsBob(), [])).toBe(false);
    expect(asked[0]).toEqual({
      subscribers: ['alice@example.com', 'bob@example.com'],
      domains: ['example.com', 'example.com'],
      trunks: [],
    });
  });

  it('b2bua.mode off with no policy in the store: one presence check, then no look-up per call', async () => {
    let now = 0;
    let presence = 0;
    let lookups = 0;
    const source: CallPolicySource = {
      async callPolicies() {
        lookups++;
        throw new Error('not asked');
      },
      async hasCallPolicies() {
        presence++;
        return false;
      },
    };
    const planner = new CallPlanner('off', source, () => now);
    expect(await planner.takes(invite('10.0.0.5'), aliceCallsBob(), [])).toBe(false);
    for (let i = 0; i < 5; i++) expect(planner.takes(invite('10.0.0.5'), aliceCallsBob(), [])).toBe(false);
    expect([presence, lookups]).toEqual([1, 0]);
    now += 2_000;
    await planner.takes(invite('10.0.0.5'), aliceCallsBob(), []);
    expect(presence).toBe(2);
  });
});
