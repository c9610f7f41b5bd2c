import { afterEach, beforeEach, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, type SqlProvisioningStore } from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

/** The CallPolicyRepository contract (and the CDR's recording id); every backend runs all of it. */
export function callPolicyContract(makeHarness: () => StoreHarness): void {
  let harness: StoreHarness;
  let store: SqlProvisioningStore;

  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
    await store.addDomain('example.com');
    await store.addSubscriber({ username: 'alice', domain: 'example.com', password: 'secret' });
    await store.trunks.addTrunk({ name: 'carrier' });
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('keeps a whole policy per subscriber, domain and trunk, and replaces it whole', async () => {
    const policies = store.callPolicies;
    expect(await policies.hasCallPolicies()).toBe(false);
    const full = {
      b2bua: 'always' as const,
      maxCalls: 2,
      maxCallRate: 0,
      codecs: { allow: ['PCMA', 'PCMU'], strip: ['G729'], order: ['PCMA'], ptime: 30 },
      srtp: 'sdes' as const,
    };
    const saved = await policies.putCallPolicy('subscriber', 'alice@Example.COM', full);
    expect(saved).toMatchObject({ scope: 'subscriber', name: 'alice@example.com', policy: full });
    expect(saved.updatedAt).toBeInstanceOf(Date);
    await policies.putCallPolicy('domain', 'example.com', { b2bua: 'nat', srtp: 'off' });
    expect((await policies.getCallPolicy('domain', 'example.com'))?.policy).toEqual({
      b2bua: 'nat',
      srtp: 'off',
    });
    await policies.putCallPolicy('trunk', 'carrier', { maxCalls: 30, codecs: { order: ['G722'] } });
    expect(await policies.hasCallPolicies()).toBe(true);
    expect((await policies.getCallPolicy('trunk', 'carrier'))?.policy).toEqual({
      maxCalls: 30,
      codecs: { order: ['G722'] },
    });
    // PUT replaces: what is left out inherits again.
    await policies.putCallPolicy('subscriber', 'alice@example.com', { b2bua: 'never' });
    expect((await policies.getCallPolicy('subscriber', 'alice@example.com'))?.policy).toEqual({
      b2bua: 'never',
    });
    expect((await policies.listCallPolicies()).map((p) => `${p.scope}:${p.name}`)).toEqual([
      'subscriber:alice@example.com',
      'domain:example.com',
      'trunk:carrier',
    ]);
    expect(await policies.listCallPolicies('trunk')).toHaveLength(1);
    expect(await policies.removeCallPolicy('domain', 'example.com')).toBe(true);
    expect(await policies.removeCallPolicy('domain', 'example.com')).toBe(false);
  });

  it('finds what applies to a call in one go, the recording policies of its subscribers too', async () => {
    await store.addSubscriber({ username: 'bob', domain: 'example.com', password: 'secret' });
    await store.callPolicies.putCallPolicy('subscriber', 'bob@example.com', { maxCalls: 1 });
    await store.callPolicies.putCallPolicy('domain', 'example.com', { b2bua: 'always' });
    await store.recordings.saveRecordingPolicy({
      subscriber: 'alice@example.com',
      stored: true,
      createdAt: new Date(),
    });
    const found = await store.callPolicies.callPolicies({
      subscribers: ['alice@example.com', 'bob@example.com', 'nobody', 'x@nowhere.example'],
      domains: ['EXAMPLE.com'],
      trunks: ['carrier', 'unknown'],
    });
    expect([...found.subscribers]).toEqual([['bob@example.com', { maxCalls: 1 }]]);
    expect([...found.domains]).toEqual([['example.com', { b2bua: 'always' }]]);
    expect(found.trunks.size).toBe(0);
    expect([...found.recordings]).toEqual([['alice@example.com', { store: true }]]);
  });

  it('refuses a policy for someone who does not exist, and bad settings naming the field', async () => {
    const policies = store.callPolicies;
    await expect(policies.putCallPolicy('subscriber', 'ghost@example.com', {})).rejects.toThrow(
      NotFoundError,
    );
    await expect(policies.putCallPolicy('trunk', 'nope', {})).rejects.toThrow(NotFoundError);
    await expect(policies.putCallPolicy('domain', 'other.example', {})).rejects.toThrow(NotFoundError);
    const bad: Array<[unknown, string]> = [
      [{ b2bua: 'sometimes' }, 'b2bua'],
      [{ maxCalls: -1 }, 'maxCalls'],
      [{ maxCallRate: 1.5 }, 'maxCallRate'],
      [{ codecs: { strip: ['telephone-event'] } }, 'codecs.strip'],
      [{ codecs: { allow: [] } }, 'codecs.allow'],
      [{ codecs: { allow: ['PCMA'], strip: ['pcma'] } }, 'codecs.strip'],
      [{ codecs: { order: ['PC MA'] } }, 'codecs.order'],
      [{ codecs: { ptime: 5 } }, 'codecs.ptime'],
      [{ codecs: { mask: ['PCMA'] } }, 'codecs.mask'],
      [{ srtp: 'dtls' }, 'srtp'],
      [{ srtp: true }, 'srtp'],
      [{ colour: 'blue' }, 'colour'],
    ];
    for (const [policy, field] of bad) {
      const error = await policies
        .putCallPolicy('subscriber', 'alice@example.com', policy as never)
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(policy)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
    // inherit is the same as leaving it out.
    expect(
      (await policies.putCallPolicy('subscriber', 'alice@example.com', { b2bua: 'inherit' as never })).policy,
    ).toEqual({});
  });

  it('goes with its subscriber, domain or trunk', async () => {
    await store.callPolicies.putCallPolicy('subscriber', 'alice@example.com', { maxCalls: 1 });
    await store.callPolicies.putCallPolicy('trunk', 'carrier', { maxCalls: 1 });
    await store.removeSubscriber('alice', 'example.com');
    await store.trunks.removeTrunk('carrier');
    expect(await store.callPolicies.listCallPolicies()).toEqual([]);
  });

  it('a CDR keeps the recording it names', async () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    await store.cdrs.addCdr({
      id: 'call-1',
      callerCallId: 'a',
      calleeCallId: 'b',
      caller: 'sip:alice@example.com',
      callee: 'sip:bob@example.com',
      setupAt: at,
      endAt: at,
      duration: 0,
      billableSeconds: 0,
      status: 200,
      cause: 16,
      hangup: 'caller',
      disposition: 'answered',
      recordingId: 'rec-42',
    });
    expect((await store.cdrs.getCdr('call-1'))?.recordingId).toBe('rec-42');
  });
}
