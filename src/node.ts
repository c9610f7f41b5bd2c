import type { Logger } from 'pino';
import type { SwitchboardConfig } from './config/index.js';
import { type EventBus, InProcessEventBus } from './events/index.js';
import { MemoryLocationService } from './location/index.js';
import { NodeUserAgent } from './node-user-agent.js';
import { ProxyRole, SubscriberRouter, type SubscriberRouting } from './proxy/index.js';
import {
  bindingEvent,
  CredentialCache,
  LocalDomains,
  Registrar,
  type RegistrarOptions,
  type RequestAuthenticator,
} from './registrar/index.js';
import { DigestAuthenticator } from './sip/auth/index.js';
import type { Uri } from './sip/message/index.js';
import { SipStack } from './sip/stack/index.js';
import { TcpTransport, type Transport, TransportLayer, UdpTransport } from './sip/transport/index.js';
import type { Endpoint, Target } from './sip/transport/types.js';
import { openStore, type ProvisioningStore } from './store/index.js';

/** Replaceable parts, for tests (a resolver that never leaves loopback, an in-memory store). */
export interface NodeOverrides {
  resolve?: (uri: Uri) => Promise<Target>;
  /**
   * The provisioning store; by default the node opens the one the configuration names (and closes
   * it on stop). A store given here belongs to the caller: the node does not close it.
   */
  store?: ProvisioningStore;
  authenticator?: RequestAuthenticator;
  events?: EventBus;
  registrar?: Partial<RegistrarOptions>;
  /** Clock for bindings and the registrar (ms since the epoch). */
  now?: () => number;
}

/** The subscriber-serving parts of a node: absent on a stateless node (an edge in front of cores). */
export interface NodeServices {
  store: ProvisioningStore;
  /** The store's subscriber lookups, credentials cached (auth.credentialCacheTtl). */
  subscribers: Pick<ProvisioningStore, 'hasDomain' | 'getSubscriber' | 'resolveUser'>;
  location: MemoryLocationService;
  registrar: Registrar;
  authenticator: RequestAuthenticator;
  domains: LocalDomains;
}

export interface RunningNode {
  listening: Endpoint[];
  stack: SipStack;
  events: EventBus;
  services?: NodeServices;
  stop(): Promise<void>;
}

/** Start one Switchboard node: its transports, SIP stack and roles, as the configuration says. */
export async function startNode(
  config: SwitchboardConfig,
  logger: Logger,
  overrides: NodeOverrides = {},
): Promise<RunningNode> {
  const events =
    overrides.events ??
    new InProcessEventBus((err, event) => logger.error({ err, event: event.type }, 'subscriber failed'));
  // A stateless node keeps no state at all: registrations and authentication live on core nodes.
  const services =
    config.proxy.mode === 'stateful' ? await startServices(config, logger, overrides, events) : undefined;

  let stack: SipStack | undefined;
  const transports = new TransportLayer({
    onPacket: (packet) => stack?.receivePacket(packet),
    onDrop: (drop) => stack?.receiveDrop(drop),
  });
  for (const host of config.sip.listen) {
    for (const protocol of config.sip.transports) {
      const options = { host, port: config.sip.port, maxMessageSize: config.sip.maxMessageSize };
      const transport: Transport = protocol === 'udp' ? new UdpTransport(options) : new TcpTransport(options);
      transports.add(transport);
    }
  }
  stack = new SipStack({
    transports,
    timers: config.sip.timers,
    advertisedAddress: config.sip.advertisedAddress,
    domains: config.proxy.domains,
    logger,
    resolve: overrides.resolve,
  });
  const userAgent = new NodeUserAgent(stack, config.sip.timers, services?.registrar);
  let routing: SubscriberRouting | undefined;
  if (services) {
    const router = new SubscriberRouter({
      store: services.subscribers,
      domains: services.domains,
      location: services.location,
      authenticator: services.authenticator,
    });
    routing = { router, registrar: services.registrar };
  }
  const proxy = new ProxyRole(
    stack,
    {
      defaultRoute: config.proxy.defaultRoute,
      mode: config.proxy.mode,
      recordRoute: config.proxy.recordRoute,
      timerC: config.sip.timerC,
      t1: config.sip.timers.t1,
      onError: (err) => logger.error({ err }, 'routing failed'),
    },
    userAgent,
    routing,
  );
  stack.attach(proxy);
  try {
    await transports.listen();
  } catch (e) {
    await closeServices(services, overrides, logger);
    throw e;
  }
  const listening = stack.listening();
  for (const endpoint of listening) logger.info({ endpoint }, 'listening');
  let stopped = false;
  const running: RunningNode = {
    listening,
    stack,
    events,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stack.close();
      await transports.close();
      await closeServices(services, overrides, logger);
      await events.close();
      logger.info('stopped');
    },
  };
  if (services) running.services = services;
  return running;
}

/** Store, location (restored from the store), authenticator and registrar. */
async function startServices(
  config: SwitchboardConfig,
  logger: Logger,
  overrides: NodeOverrides,
  events: EventBus,
): Promise<NodeServices> {
  const store = overrides.store ?? (await openStore(config));
  const now = overrides.now ?? Date.now;
  const location = new MemoryLocationService({
    store,
    now,
    onExpired: (binding) => events.publish(bindingEvent('registration.expired', binding, now())),
    onStoreError: (err) => logger.warn({ err }, 'could not update a stored binding'),
    persistence: config.location.persistence,
    flushIntervalMs: config.location.flushInterval,
  });
  try {
    const restored = await location.restore();
    if (restored > 0) logger.info({ bindings: restored }, 'registrations restored');
  } catch (err) {
    // Registrations are soft state (RFC 3261 §10.2.4): phones re-register; start without them.
    logger.warn({ err }, 'could not restore registrations');
  }
  const authenticator =
    overrides.authenticator ??
    new DigestAuthenticator({
      now,
      algorithms: config.auth.algorithms,
      nonceLifetimeMs: config.auth.nonceLifetime * 1000,
      // Field UAs put other URIs in the digest `uri` (SIPp: the server's address), and Kamailio
      // accepts them; nonce-count replay protection already stops a captured answer's reuse.
      checkUri: false,
    });
  const domains = new LocalDomains(store);
  const credentials = new CredentialCache(store, config.auth.credentialCacheTtl * 1000, undefined, now);
  const subscribers = {
    hasDomain: (name: string) => store.hasDomain(name),
    getSubscriber: (username: string, domain: string) => credentials.getSubscriber(username, domain),
    resolveUser: (user: string, domain: string) => store.resolveUser(user, domain),
  };
  const registrar = new Registrar(
    {
      store: subscribers,
      location,
      authenticator,
      events,
      domains,
      now,
      onError: (err) => logger.error({ err }, 'REGISTER failed'),
    },
    overrides.registrar,
  );
  return { store, subscribers, location, registrar, authenticator, domains };
}

async function closeServices(
  services: NodeServices | undefined,
  overrides: NodeOverrides,
  logger: Logger,
): Promise<void> {
  if (!services) return;
  await services.location.close();
  if (!overrides.store)
    await services.store.close().catch((err) => logger.warn({ err }, 'store close failed'));
}
