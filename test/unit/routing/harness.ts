import { SubscriberAuth } from '../../../src/authentication/index.js';
import { MemoryLocationService } from '../../../src/location/index.js';
import { LocalDomains } from '../../../src/registrar/index.js';
import type {
  LocalRequestHandler,
  RoleHandler,
  RoutingOptions,
  SubscriberServices,
} from '../../../src/routing/index.js';
import { RoutingContext } from '../../../src/routing/index.js';
import { StaticRoutes } from '../../../src/routing/static-routes.js';
import type { DigestAuthenticator } from '../../../src/sip/auth/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import type { ServerTransaction } from '../../../src/sip/transaction/index.js';
import { FakeStack } from '../proxy/fakes.js';
import { type FakeStore, newAuthenticator, provisionedStore, TestClock } from '../registrar/fakes.js';

/** The node's address in these tests (FakeStack's): 192.0.2.10:5060. */
export const NODE = '192.0.2.10';

export const source = { protocol: 'udp' as const, address: '198.51.100.7', port: 40000 };

export function context(): RoutingContext {
  return new RoutingContext(source, undefined);
}

/** A role that records what it was handed. */
export class RecordingRole implements RoleHandler {
  readonly handled: SipRequest[] = [];
  handle(request: SipRequest, _transaction: ServerTransaction): void {
    this.handled.push(request);
  }
}

/** The node's own handler for requests addressed to it: records them, ignores ACK and CANCEL. */
export class RecordingNode implements LocalRequestHandler {
  readonly handled: SipRequest[] = [];
  handle(request: SipRequest): void {
    this.handled.push(request);
  }
  handleAck(): void {}
  handleCancel(): void {}
}

export function routes(defaultRoute?: string): StaticRoutes {
  return new StaticRoutes(new FakeStack(), defaultRoute);
}

export const options: RoutingOptions = { mode: 'stateful', recordRoute: true, timerC: 180_000, t1: 500 };

export interface Services extends SubscriberServices {
  store: FakeStore;
  location: MemoryLocationService;
  authenticator: DigestAuthenticator;
  registrar: RecordingRole;
  clock: TestClock;
}

/** example.com and other.org served; alice, bob, carol in example.com (password `<name>-pw`). */
export async function services(): Promise<Services> {
  const clock = new TestClock();
  const store = await provisionedStore();
  const authenticator = newAuthenticator(clock.now);
  return {
    domains: new LocalDomains(store),
    auth: new SubscriberAuth(store, authenticator),
    store,
    location: new MemoryLocationService({ now: clock.now, sweepIntervalMs: 0 }),
    authenticator,
    registrar: new RecordingRole(),
    clock,
  };
}
