import { MemoryLocationService } from '../../../src/location/index.js';
import { LocalDomains } from '../../../src/registrar/index.js';
import { Forwarding } from '../../../src/routing/features/forwarding.js';
import type { OffNetRouter } from '../../../src/routing/features/off-net.js';
import type { ForwardTarget } from '../../../src/sip/proxy/index.js';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { binding, routedRequest, TestClock } from '../registrar/fakes.js';

/** A node's feature services on a real in-memory store: example.com with alice, bob, carol, dave. */
export interface FeatureWorld {
  store: SqliteProvisioningStore;
  location: MemoryLocationService;
  domains: LocalDomains;
  features: SqliteProvisioningStore['features'];
  clock: TestClock;
  forwarding: Forwarding;
  /** Register a phone for `user` at 10.0.0.<n>. */
  register(user: string, n: number): Promise<void>;
  close(): Promise<void>;
}

export async function featureWorld(defaultRoute?: string, offNet?: OffNetRouter): Promise<FeatureWorld> {
  const clock = new TestClock();
  const store = await SqliteProvisioningStore.open(':memory:');
  await store.addDomain('example.com');
  await store.addDomain('other.org');
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    await store.addSubscriber({
      username: name,
      domain: 'example.com',
      password: `${name}-pw`,
      displayName: name.toUpperCase(),
    });
  }
  await store.addAlias({ alias: '+49301234567', domain: 'example.com', username: 'bob', kind: 'number' });
  await store.addAlias({ alias: '+49309999999', domain: 'example.com', username: 'alice', kind: 'number' });
  const location = new MemoryLocationService({ now: clock.now, sweepIntervalMs: 0 });
  const domains = new LocalDomains(store);
  const services = { store, location, domains, features: store.features };
  const routes = {
    defaultRoute: defaultRoute
      ? (await import('../../../src/sip/message/index.js')).parseSipUriStrict(defaultRoute)
      : undefined,
  };
  return {
    ...services,
    clock,
    forwarding: new Forwarding(services, routes, clock.now, offNet),
    async register(user, n) {
      const aor = `sip:${user}@example.com`;
      await location.update(aor, {
        remove: [],
        add: [binding({ aor, contact: `sip:${user}@10.0.0.${n}:5060`, expiresAt: clock.t + 3_600_000 })],
      });
    },
    close: () => store.close(),
  };
}

export const invite = (to: string, from = 'sip:x@carrier.net', extra: string[] = []) =>
  routedRequest({ to, from, extra });

/** A target's copy as the proxy core would send it: the request cloned, the target's edits applied. */
export function copyFor(request: ReturnType<typeof routedRequest>, target: ForwardTarget) {
  const copy = request.clone();
  copy.uri = target.uri;
  target.prepare?.(copy);
  return copy;
}
