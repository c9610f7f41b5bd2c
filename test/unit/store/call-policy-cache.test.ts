import { describe, expect, it } from 'vitest';
import { CachedCallPolicies } from '../../../src/store/call-policy-cache.js';
import type {
  CallPolicies,
  CallPolicy,
  CallPolicyKeys,
  CallPolicyRepository,
  CallPolicyScope,
  StoredCallPolicy,
} from '../../../src/store/index.js';

/** A store of policies by `scope:name` that answers as SqlCallPolicies does and counts its look-ups. */
class Policies implements CallPolicyRepository {
  readonly policies = new Map<string, CallPolicy>();
  readonly recordings = new Map<string, { store: boolean }>();
  readonly lookups: CallPolicyKeys[] = [];
  /** Held: look-ups read the policies at once but answer only when it resolves (a slow database). */
  gate: Promise<void> | undefined;
  async getCallPolicy(): Promise<StoredCallPolicy | undefined> {
    return undefined;
  }
  async putCallPolicy(scope: CallPolicyScope, name: string, policy: CallPolicy): Promise<StoredCallPolicy> {
    this.policies.set(`${scope}:${name}`, policy);
    return { scope, name, policy, updatedAt: new Date(0) };
  }
  async removeCallPolicy(scope: CallPolicyScope, name: string): Promise<boolean> {
    return this.policies.delete(`${scope}:${name}`);
  }
  async listCallPolicies(): Promise<StoredCallPolicy[]> {
    return [];
  }
  async hasCallPolicies(): Promise<boolean> {
    return this.policies.size > 0;
  }
  async callPolicies(keys: CallPolicyKeys): Promise<CallPolicies> {
    this.lookups.push(keys);
    const found: CallPolicies = {
      subscribers: new Map(),
      domains: new Map(),
      trunks: new Map(),
      recordings: new Map(),
    };
    for (const name of keys.subscribers) {
      const at = name.lastIndexOf('@');
      const key = `${name.slice(0, at)}@${name.slice(at + 1).toLowerCase()}`;
      const policy = this.policies.get(`subscriber:${key}`);
      if (policy) found.subscribers.set(key, policy);
      const recording = this.recordings.get(name.toLowerCase());
      if (recording) found.recordings.set(name.toLowerCase(), recording);
    }
    for (const name of keys.domains) {
      const policy = this.policies.get(`domain:${name.toLowerCase()}`);
      if (policy) found.domains.set(name.toLowerCase(), policy);
    }
    for (const name of keys.trunks) {
      const policy = this.policies.get(`trunk:${name}`);
      if (policy) found.trunks.set(name, policy);
    }
    await this.gate;
    return found;
  }
}

const CALL: CallPolicyKeys = {
  subscribers: ['alice@Example.com', 'bob@example.com'],
  domains: ['Example.com'],
  trunks: ['carrier'],
};

function setUp(options: { version?: () => number } = {}) {
  const inner = new Policies();
  let clock = 1_000;
  const cache = new CachedCallPolicies(inner, { ttlMs: 2000, now: () => clock, ...options });
  return { inner, cache, advance: (ms: number) => (clock += ms) };
}

describe('CachedCallPolicies', () => {
  it("answers as the store does, asking it once while the parties' policies are fresh", async () => {
    const { inner, cache } = setUp();
    inner.policies.set('subscriber:bob@example.com', { b2bua: 'always' });
    inner.policies.set('domain:example.com', { maxCalls: 3 });
    inner.policies.set('trunk:carrier', { codecs: { allow: ['PCMA'] } });
    inner.recordings.set('alice@example.com', { store: true });
    const expected = await inner.callPolicies(CALL);
    inner.lookups.length = 0;
    expect(await cache.callPolicies(CALL)).toEqual(expected);
    expect(await cache.callPolicies(CALL)).toEqual(expected);
    expect(inner.lookups).toHaveLength(1);
  });

  it('asks only for the parties it does not know, and again once they are older than the TTL', async () => {
    const { inner, cache, advance } = setUp();
    await cache.callPolicies({ subscribers: ['alice@example.com'], domains: [], trunks: [] });
    await cache.callPolicies({
      subscribers: ['alice@example.com', 'carol@example.com'],
      domains: [],
      trunks: [],
    });
    expect(inner.lookups[1]).toEqual({ subscribers: ['carol@example.com'], domains: [], trunks: [] });
    advance(1999);
    await cache.callPolicies({ subscribers: ['alice@example.com'], domains: [], trunks: [] });
    expect(inner.lookups).toHaveLength(2);
    advance(1);
    inner.policies.set('subscriber:alice@example.com', { b2bua: 'never' });
    const found = await cache.callPolicies({ subscribers: ['alice@example.com'], domains: [], trunks: [] });
    expect(found.subscribers.get('alice@example.com')).toEqual({ b2bua: 'never' });
    expect(inner.lookups).toHaveLength(3);
  });

  it('a policy written through it applies to the next call at once', async () => {
    const { cache } = setUp();
    expect((await cache.callPolicies(CALL)).subscribers.size).toBe(0);
    await cache.putCallPolicy('subscriber', 'bob@example.com', { b2bua: 'always' });
    expect((await cache.callPolicies(CALL)).subscribers.get('bob@example.com')).toEqual({ b2bua: 'always' });
    await cache.removeCallPolicy('subscriber', 'bob@example.com');
    expect((await cache.callPolicies(CALL)).subscribers.size).toBe(0);
  });

  it("another process's write, shown by the version, empties it at once", async () => {
    let version = 1;
    const { inner, cache } = setUp({ version: () => version });
    await cache.callPolicies(CALL);
    inner.policies.set('trunk:carrier', { maxCallRate: 5 });
    expect((await cache.callPolicies(CALL)).trunks.size).toBe(0);
    version = 2;
    expect((await cache.callPolicies(CALL)).trunks.get('carrier')).toEqual({ maxCallRate: 5 });
  });

  it('does not remember a look-up that overlapped a change', async () => {
    const { inner, cache } = setUp();
    let open = () => {};
    inner.gate = new Promise<void>((resolve) => (open = resolve));
    const slow = cache.callPolicies(CALL); // reads "no policy", answers later
    inner.gate = undefined;
    await cache.putCallPolicy('domain', 'example.com', { maxCalls: 1 });
    open();
    expect((await slow).domains.get('example.com')).toEqual({ maxCalls: 1 });
    expect((await cache.callPolicies(CALL)).domains.get('example.com')).toEqual({ maxCalls: 1 });
  });
});
