import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../../src/registrar/index.js';
import type { Subscriber } from '../../../src/store/index.js';

function countingStore(subscribers: Record<string, Subscriber>) {
  const store = {
    reads: 0,
    async getSubscriber(username: string, domain: string): Promise<Subscriber | undefined> {
      store.reads++;
      await Promise.resolve();
      return subscribers[`${username}@${domain}`];
    },
  };
  return store;
}

const alice = {
  username: 'alice',
  domain: 'example.com',
  enabled: true,
  ha1Md5: 'x',
} as unknown as Subscriber;

describe('CredentialCache', () => {
  it('reads the store once per subscriber per TTL, concurrent lookups sharing one read', async () => {
    let t = 0;
    const store = countingStore({ 'alice@example.com': alice });
    const cache = new CredentialCache(store, 10_000, 100, () => t);
    const [a, b] = await Promise.all([
      cache.getSubscriber('alice', 'example.com'),
      cache.getSubscriber('alice', 'EXAMPLE.com'),
    ]);
    expect(a).toBe(alice);
    expect(b).toBe(alice);
    expect(await cache.getSubscriber('alice', 'example.com')).toBe(alice);
    expect(store.reads).toBe(1);
    t = 10_001;
    await cache.getSubscriber('alice', 'example.com');
    expect(store.reads).toBe(2);
  });

  it('remembers unknown users, stays bounded and can be invalidated', async () => {
    const store = countingStore({ 'alice@example.com': alice });
    const cache = new CredentialCache(store, 10_000, 50);
    for (let i = 0; i < 500; i++)
      expect(await cache.getSubscriber(`scan${i}`, 'example.com')).toBeUndefined();
    expect(cache.size).toBeLessThanOrEqual(50);
    await cache.getSubscriber('scan499', 'example.com');
    expect(store.reads).toBe(500);
    await cache.getSubscriber('alice', 'example.com');
    cache.invalidate('alice', 'example.com');
    await cache.getSubscriber('alice', 'example.com');
    expect(store.reads).toBe(502);
  });

  it('sweeps expired entries and keeps no string cut from the request', async () => {
    let t = 0;
    const store = countingStore({ 'alice@example.com': alice });
    const cache = new CredentialCache(store, 10_000, 100, () => t);
    // A user name sliced from a long header, as the digest parser hands it over.
    const header = `Digest username="alice", ${'x'.repeat(10_000)}`;
    await cache.getSubscriber(header.slice(17, 22), 'example.com');
    t = 5_000;
    await cache.getSubscriber('bob', 'example.com');
    expect(cache.size).toBe(2);
    t = 10_001;
    cache.sweep();
    expect(cache.size).toBe(1);
    t = 15_001;
    cache.sweep();
    expect(cache.size).toBe(0);
    cache.close();
  });

  it('reads every time with a TTL of 0', async () => {
    const store = countingStore({ 'alice@example.com': alice });
    const cache = new CredentialCache(store, 0);
    await cache.getSubscriber('alice', 'example.com');
    await cache.getSubscriber('alice', 'example.com');
    expect(store.reads).toBe(2);
    expect(cache.size).toBe(0);
  });
});
