import { describe, expect, it } from 'vitest';
import { DomainAlgorithms } from '../../../src/registrar/index.js';
import type { Domain } from '../../../src/store/index.js';

/** A store whose domain list the test changes, counting reads; `fail` makes the next reads reject. */
function fakeStore(domains: Domain[]) {
  const store = {
    domains,
    reads: 0,
    fail: false,
    async listDomains(): Promise<Domain[]> {
      store.reads++;
      if (store.fail) throw new Error('store down');
      return store.domains.map((d) => ({ ...d }));
    },
  };
  return store;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('DomainAlgorithms', () => {
  const created = new Date(0);

  it('answers from memory: the domain’s own list, undefined for one that follows the node', async () => {
    const store = fakeStore([
      { name: 'secure.example', createdAt: created, authAlgorithms: ['SHA-256', 'MD5'] },
      { name: 'example.com', createdAt: created },
    ]);
    const clock = { t: 0 };
    const cache = new DomainAlgorithms(store, 5000, () => clock.t);
    await cache.load();
    expect(cache.for('secure.example')).toEqual(['SHA-256', 'MD5']);
    expect(cache.for('SECURE.example')).toEqual(['SHA-256', 'MD5']);
    expect(cache.for('example.com')).toBeUndefined();
    expect(cache.for('unknown.net')).toBeUndefined();
    expect(store.reads).toBe(1);
  });

  it('reads the store again in the background once older than its TTL, never per lookup', async () => {
    const store = fakeStore([{ name: 'example.com', createdAt: created }]);
    const clock = { t: 0 };
    const cache = new DomainAlgorithms(store, 5000, () => clock.t);
    await cache.load();
    store.domains = [{ name: 'example.com', createdAt: created, authAlgorithms: ['SHA-256'] }];
    clock.t = 4999;
    expect(cache.for('example.com')).toBeUndefined();
    expect(store.reads).toBe(1);
    clock.t = 5000;
    // The lookup that finds the table old still answers at once, from the old table.
    expect(cache.for('example.com')).toBeUndefined();
    expect(cache.for('example.com')).toBeUndefined();
    await settle();
    expect(store.reads).toBe(2);
    expect(cache.for('example.com')).toEqual(['SHA-256']);
  });

  it('keeps the last table when the store fails, and retries a TTL later', async () => {
    const errors: unknown[] = [];
    const store = fakeStore([{ name: 'example.com', createdAt: created, authAlgorithms: ['SHA-256'] }]);
    const clock = { t: 0 };
    const cache = new DomainAlgorithms(
      store,
      1000,
      () => clock.t,
      (e) => errors.push(e),
    );
    await cache.load();
    store.fail = true;
    clock.t = 1000;
    cache.for('example.com');
    await settle();
    expect(errors).toHaveLength(1);
    expect(cache.for('example.com')).toEqual(['SHA-256']);
    expect(store.reads).toBe(2);
    store.fail = false;
    store.domains = [{ name: 'example.com', createdAt: created }];
    clock.t = 1999;
    cache.for('example.com');
    expect(store.reads).toBe(2);
    clock.t = 2000;
    cache.for('example.com');
    await settle();
    expect(cache.for('example.com')).toBeUndefined();
  });

  it('reads again at the next lookup after invalidate()', async () => {
    const store = fakeStore([]);
    const cache = new DomainAlgorithms(store, 60_000, () => 0);
    await cache.load();
    store.domains = [{ name: 'example.com', createdAt: created, authAlgorithms: ['SHA-256', 'MD5'] }];
    cache.invalidate();
    cache.for('example.com');
    await settle();
    expect(cache.for('example.com')).toEqual(['SHA-256', 'MD5']);
  });
});
