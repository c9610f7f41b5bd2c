import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createApiServer } from './api/index.js';
import { type RequestAuthenticator, SubscriberAuth } from './authentication/index.js';
import type { B2bua } from './b2bua/index.js';
import type { SwitchboardConfig } from './config/index.js';
import { type EventBus, InProcessEventBus } from './events/index.js';
import { MemoryLocationService } from './location/index.js';
import type { MediaRelay } from './media/relay/index.js';
import { RtpPortRange } from './media/udp/index.js';
import { IdleCollector } from './memory/index.js';
import { createMetricsRegistry, type MetricsRegistry } from './metrics/index.js';
import { startB2bua } from './node-b2bua.js';
import { type CarrierLinks, carrierLinks } from './node-carrier-links.js';
import { type NodeEdge, nodeOutbound, startEdge } from './node-edge.js';
import { startMediaRelay } from './node-media.js';
import { registerCarrierMetrics, registerStateMetrics } from './node-metrics.js';
import { startNatKeepalive } from './node-nat.js';
import { addApiPortTransport, addTransports, registerTransportMetrics } from './node-transports.js';
import { type NodeTrunks, registerTrunkMetrics, startTrunks } from './node-trunks.js';
import { NodeUserAgent } from './node-user-agent.js';
import { RecordingManager, recordingMetrics, SiprecServer } from './recording/index.js';
import {
  bindingEvent,
  CredentialCache,
  DomainAlgorithms,
  LocalDomains,
  Registrar,
  type RegistrarOptions,
} from './registrar/index.js';
import { RoutingRole } from './routing/index.js';
import { DigestAuthenticator } from './sip/auth/index.js';
import type { Uri } from './sip/message/index.js';
import { isWildcard, primaryAddress, SipStack } from './sip/stack/index.js';
import { TransportLayer } from './sip/transport/index.js';
import type { Endpoint, Target } from './sip/transport/types.js';
import { openStore, type ProvisioningStore, type SqlProvisioningStore } from './store/index.js';

/** Replaceable parts, for tests (a resolver that never leaves loopback, an in-memory store). */
export interface NodeOverrides {
  resolve?: (uri: Uri) => Promise<Target>;
  /**
   * The provisioning store; by default the node opens the one the configuration names (and closes
   * it on stop). A store given here belongs to the caller: the node does not close it.
   */
  store?: SqlProvisioningStore;
  authenticator?: RequestAuthenticator;
  events?: EventBus;
  registrar?: Partial<RegistrarOptions>;
  /** Clock for bindings and the registrar (ms since the epoch). */
  now?: () => number;
}

/** The subscriber-serving parts of a node: absent on a stateless node (an edge in front of cores). */
export interface NodeServices {
  store: SqlProvisioningStore;
  /** The store's subscriber lookups, credentials cached (auth.credentialCacheTtl). */
  subscribers: Pick<ProvisioningStore, 'hasDomain' | 'getSubscriber' | 'resolveUser'>;
  location: MemoryLocationService;
  credentials: CredentialCache;
  registrar: Registrar;
  authenticator: RequestAuthenticator;
  /** The one digest check, shared by the registrar and the routing pipeline. */
  auth: SubscriberAuth;
  domains: LocalDomains;
  /** The digest algorithms of domains that chose their own (the rest follow auth.algorithms). */
  domainAlgorithms: DomainAlgorithms;
  recordings: RecordingManager;
  /** Trunks, gateways and least-cost routes in memory; gateway dispatch and health. */
  trunks: NodeTrunks;
  /** The relay anchoring calls' RTP (media.relay): what the B2BUA offers, answers and deletes through. */
  media: MediaRelay;
}

export interface RunningNode {
  listening: Endpoint[];
  stack: SipStack;
  events: EventBus;
  metrics: MetricsRegistry;
  services?: NodeServices;
  /** The HTTP API's address, when it runs (api.enabled). */
  api?: { host: string; port: number };
  /** Gateway probing and outbound registrations (stateful nodes). */
  carriers?: CarrierLinks;
  /** The B2BUA, when b2bua.mode takes calls. */
  b2bua?: B2bua;
  /** Bans, flood and scanner checks, overload control. */
  edge: NodeEdge;
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
  const metrics = createMetricsRegistry();
  let services: NodeServices | undefined;
  // Carriers' networks are allowed: a trunk's burst of calls is no flood.
  const edge = startEdge(config, events, metrics, logger.child({ role: 'edge' }), (address) =>
    Boolean(services?.trunks.tables.current.inbound.bySourceAddress(address)),
  );
  try {
    services =
      config.proxy.mode === 'stateful'
        ? await startServices(config, logger, overrides, events, metrics, edge)
        : undefined;
    // Bans kept in the store are this node's before it takes traffic (a stateless node has none).
    if (services) await edge.shareBans(services.store.bans, `${hostname()}:${config.sip.port}`);
  } catch (e) {
    edge.close();
    throw e;
  }

  let stack: SipStack | undefined;
  const transports = new TransportLayer({
    onPacket: (packet) => stack?.receivePacket(packet),
    onDrop: (drop) => stack?.receiveDrop(drop),
  });
  try {
    await addTransports(transports, config, logger, services?.trunks.tls);
  } catch (e) {
    await closeServices(services, overrides, logger); // a TLS file could not be read or made
    throw e;
  }
  // RFC 5922 §7.1: a carrier proves itself by the certificate of its TLS connection.
  if (services)
    services.trunks.services.peerNames = (source) =>
      transports.peerNames(source.protocol, source.connectionId ?? '');
  stack = new SipStack({
    transports,
    timers: config.sip.timers,
    advertisedAddress: config.sip.advertisedAddress,
    domains: config.proxy.domains,
    logger,
    resolve: overrides.resolve,
    packetFilter: edge.guard,
    overload: edge.overload,
  });
  const recordingServer = services
    ? new SiprecServer(services.recordings, logger.child({ role: 'recording' }))
    : undefined;
  const userAgent = new NodeUserAgent(stack, config.sip.timers, services?.registrar, recordingServer);
  metrics.gauge({
    name: 'ua_timers',
    help: "Timers the UA core holds (2xx retransmission, session timers, B2BUA calls' maximum duration and media timeout); back to 0 once calls are over",
    collect() {
      this.set(userAgent.timers.pending);
    },
  });
  const carriers = services
    ? carrierLinks({
        store: services.store.trunks,
        core: userAgent.core,
        stack,
        config: config.gateways,
        events,
        logger: logger.child({ role: 'carriers' }),
      })
    : undefined;
  // Outbound calls skip the gateways the prober found down.
  if (services && carriers) services.trunks.health = carriers.prober;
  const b2bua = services
    ? await startB2bua({
        config,
        core: userAgent.core,
        stack,
        events,
        metrics,
        logger: logger.child({ role: 'b2bua' }),
        media: services.media,
        cdrs: services.store.cdrs,
        policies: services.store.callPolicies,
        recorder: services.recordings,
        journal: services.store.callJournal,
      })
    : undefined;
  const routing = new RoutingRole(
    stack,
    {
      defaultRoute: config.proxy.defaultRoute,
      mode: config.proxy.mode,
      recordRoute: config.proxy.recordRoute,
      outbound: nodeOutbound(config, transports),
      timerC: config.sip.timerC,
      t1: config.sip.timers.t1,
      ...(config.nat.detect > 0 ? { nat: config.nat } : {}),
      onError: (err) => logger.error({ err }, 'routing failed'),
    },
    userAgent,
    services && {
      domains: services.domains,
      auth: services.auth,
      store: services.subscribers,
      location: services.location,
      registrar: services.registrar,
      features: services.store.features,
    },
    services && {
      trunks: services.trunks.services,
      // The B2BUA takes the calls its policy picks, and owns INVITEs replacing its legs (RFC 3891).
      ...(b2bua ? { takeover: b2bua.b2bua, callOwner: b2bua.b2bua } : {}),
    },
  );
  stack.attach(routing);
  const nat =
    services &&
    startNatKeepalive({
      config: config.nat,
      location: services.location,
      events,
      core: userAgent.core,
      stack,
      sendRaw: (data, destination, connectionId) => transports.send(data, destination, connectionId),
      metrics,
      logger: logger.child({ role: 'nat' }),
      now: overrides.now ?? Date.now,
    });
  const idleCollector = config.memory.collectWhenIdle
    ? new IdleCollector({
        activity: () => stack.counters.requestsReceived,
        // Timer J: completed transactions of the burst are garbage after it (RFC 3261 §17.2.2).
        settleMs: 64 * config.sip.timers.t1,
      })
    : undefined;
  registerStateMetrics(metrics, stack, services, {
    heapGrowthPercent: config.memory.heapGrowth,
    idleCollector,
  });
  registerTransportMetrics(metrics, transports);
  if (services) registerTrunkMetrics(metrics, services.trunks);
  if (carriers) registerCarrierMetrics(metrics, carriers.prober, carriers.registrations);
  const api =
    services && config.api.enabled
      ? createApiServer({
          recordings: services.recordings,
          apiKeys: (key) => services.store.apiKeys.verifyApiKey(key),
          features: services.store,
          // A write through the API reaches this node's routing tables at once (others poll).
          trunks: { trunks: services.store.trunks, onChange: () => void services.trunks.tables.refresh() },
          cdrs: services.store.cdrs,
          ...(b2bua
            ? {
                calls: {
                  list: () => b2bua.b2bua.liveCalls(),
                  get: (id: string) => b2bua.b2bua.liveCall(id),
                  hangUp: (id: string) => b2bua.b2bua.hangUp(id),
                },
              }
            : {}),
          callPolicies: services.store.callPolicies,
          metrics,
          logger: logger.child({ role: 'api' }),
          metricsEndpoint: config.api.metricsNeedKey ? 'protected' : 'open',
          bans: {
            list: () => edge.guard.list(),
            get: (address) => edge.guard.get(address),
            add: (address, durationMs) => edge.guard.banManually(address, durationMs),
            lift: (address) => edge.guard.lift(address),
          },
          ...(carriers
            ? { carrierStatus: { gateways: carriers.prober, registrations: carriers.registrations } }
            : {}),
        })
      : undefined;
  if (api && config.sip.websocketOnApiPort) addApiPortTransport(transports, config, api);
  let apiAddress: { host: string; port: number } | undefined;
  try {
    await transports.listen();
    if (api) {
      await api.listen({ host: config.api.listen, port: config.api.port });
      const bound = api.server.address();
      if (bound && typeof bound === 'object') apiAddress = { host: bound.address, port: bound.port };
    }
  } catch (e) {
    nat?.stop();
    edge.close();
    idleCollector?.close();
    await api?.close();
    await stack.close();
    await transports.close();
    await closeServices(services, overrides, logger);
    throw e;
  }
  const listening = stack.listening();
  // After listen: the registrations' Contact carries the bound port.
  await carriers?.start();
  for (const endpoint of listening) logger.info({ endpoint }, 'listening');
  if (apiAddress) logger.info({ api: `http://${apiAddress.host}:${apiAddress.port}` }, 'API listening');
  let stopped = false;
  const running: RunningNode = {
    listening,
    stack,
    events,
    metrics,
    edge,
    async stop() {
      if (stopped) return;
      stopped = true;
      edge.close();
      idleCollector?.close();
      nat?.stop();
      // Calls end and their CDRs are written while the stack and the store still run (and the
      // API's port still carries its WebSocket clients' BYEs, sip.websocketOnApiPort).
      await b2bua?.stop();
      await api?.close();
      // Unregistering needs the stack: before it closes.
      await carriers?.stop();
      await stack.close();
      await transports.close();
      await closeServices(services, overrides, logger);
      await events.close();
      logger.info('stopped');
    },
  };
  if (services) running.services = services;
  if (apiAddress) running.api = apiAddress;
  if (carriers) running.carriers = carriers;
  if (b2bua) running.b2bua = b2bua.b2bua;
  return running;
}

/** Store, location (restored from the store), authenticator and registrar. */
async function startServices(
  config: SwitchboardConfig,
  logger: Logger,
  overrides: NodeOverrides,
  events: EventBus,
  metrics: MetricsRegistry,
  edge: NodeEdge,
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
  const domainAlgorithms = new DomainAlgorithms(store, undefined, now, (err) =>
    logger.warn({ err }, "could not read the domains' digest algorithms"),
  );
  try {
    await domainAlgorithms.load();
  } catch (err) {
    // Domains that chose SHA-256 are challenged with auth.algorithms until the store answers.
    logger.warn({ err }, "could not read the domains' digest algorithms");
  }
  const authenticator =
    overrides.authenticator ??
    new DigestAuthenticator({
      now,
      algorithms: config.auth.algorithms,
      algorithmsFor: (realm) => domainAlgorithms.for(realm),
      nonceLifetimeMs: config.auth.nonceLifetime * 1000,
      ...(config.auth.nonceSecret ? { secret: Buffer.from(config.auth.nonceSecret, 'utf8') } : {}),
      // Field UAs put other URIs in the digest `uri` (SIPp: the server's address), and Kamailio
      // accepts them; nonce-count replay protection already stops a captured answer's reuse.
      checkUri: false,
      failureWindowMs: config.edge.authFailures.window * 1000,
      onFailure: (source, failures) => edge.guard.authenticationFailed(source, failures),
    });
  const domains = new LocalDomains(store);
  const credentials = new CredentialCache(store, config.auth.credentialCacheTtl * 1000, undefined, now);
  const subscribers = {
    hasDomain: (name: string) => store.hasDomain(name),
    getSubscriber: (username: string, domain: string) => credentials.getSubscriber(username, domain),
    resolveUser: (user: string, domain: string) => store.resolveUser(user, domain),
  };
  const auth = new SubscriberAuth(subscribers, authenticator);
  const registrar = new Registrar(
    {
      store: subscribers,
      location,
      authenticator,
      auth,
      events,
      domains,
      now,
      onError: (err) => logger.error({ err }, 'REGISTER failed'),
    },
    { ...config.registrar, ...overrides.registrar },
  );
  const recordingAddress = config.recording.address ?? recordingHost(config.sip.listen[0] ?? '0.0.0.0');
  const ports = new RtpPortRange({
    min: config.recording.portMin,
    max: config.recording.portMax,
    address: recordingAddress,
    receiveBufferSize: 1 << 20,
    receiver: config.recording.receiver,
  });
  logger.info({ receiver: ports.receiver }, 'recorded RTP receiver');
  const recordings = new RecordingManager({
    index: store.recordings,
    directory: config.recording.dir ?? join(config.dataDir, 'recordings'),
    address: config.recording.advertisedAddress ?? recordingAddress,
    ports,
    mediaServer: config.recording.mediaServer,
    mediaTimeoutMs: config.recording.mediaTimeout * 1000,
    retentionDays: config.recording.retentionDays,
    stream: {
      batchPackets: config.recording.streamBatchPackets,
      batchIntervalMs: config.recording.streamBatchInterval,
      ...(config.recording.streamToken ? { token: config.recording.streamToken } : {}),
    },
    events,
    metrics: recordingMetrics(metrics),
    logger: logger.child({ role: 'recording' }),
  });
  const trunks = await startTrunks(
    config.trunks,
    store.trunks,
    authenticator,
    logger.child({ role: 'trunks' }),
  );
  const media = startMediaRelay(
    config.media,
    recordingHost(config.sip.listen[0] ?? '0.0.0.0'),
    logger.child({ role: 'media' }),
    metrics,
  );
  void recordings
    .applyRetention()
    .catch((err: unknown) => logger.warn({ err }, 'recording retention failed'));
  return {
    store,
    subscribers,
    location,
    credentials,
    registrar,
    authenticator,
    auth,
    domains,
    domainAlgorithms,
    recordings,
    trunks,
    media,
  };
}

async function closeServices(
  services: NodeServices | undefined,
  overrides: NodeOverrides,
  logger: Logger,
): Promise<void> {
  if (!services) return;
  services.trunks.tables.stop();
  await services.media.close();
  await services.recordings.close();
  services.credentials.close();
  await services.location.close();
  if (!overrides.store)
    await services.store.close().catch((err) => logger.warn({ err }, 'store close failed'));
}

/** Where recorded RTP is received: the SIP address, or the primary address when that is a wildcard. */
function recordingHost(sipListen: string): string {
  return isWildcard(sipListen) ? primaryAddress(sipListen.includes(':') ? 6 : 4) : sipListen;
}
