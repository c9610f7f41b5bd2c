import type { Logger } from 'pino';
import type { GatewaysConfig } from './config/index.js';
import type { EventBus } from './events/index.js';
import { GatewayProber, optionsProbe, probedGateways } from './gateway-health/index.js';
import type { RegistrationState } from './sip/registration/index.js';
import type { SipStack } from './sip/stack/index.js';
import type { UserAgentCore } from './sip/ua/index.js';
import type { Gateway, Trunk, TrunkRepository } from './store/index.js';
import { type TrunkRegistrationStatus, TrunkRegistrations } from './trunk-registration/index.js';

/** The node's links to its carriers: OPTIONS probing of gateways and outbound registrations. */
export interface CarrierLinks {
  prober: GatewayProber;
  registrations: TrunkRegistrations;
  /** Probe and register, once the transports listen (the Contact needs the bound port). */
  start(): Promise<void>;
  /** Stop probing and unregister from every carrier (bounded): before the stack closes. */
  stop(): Promise<void>;
}

/** How often the trunks are read again for the registrations (a trunk's settings changed...). */
const REGISTRATIONS_POLL_MS = 5_000;

/**
 * The prober and registrations of a node, reading trunks and gateways from the store (re-read only
 * when its routing revision moved), sending through the node's UA core, publishing
 * gateway.down/up and trunk.* events.
 */
export function carrierLinks(options: {
  store: Pick<TrunkRepository, 'routingRevision' | 'listTrunks' | 'listGateways'>;
  core: UserAgentCore;
  stack: SipStack;
  config: GatewaysConfig;
  events: EventBus;
  logger: Logger;
}): CarrierLinks {
  const { events, logger, config } = options;
  const read = storedCarriers(options.store);
  const prober = new GatewayProber({
    gateways: async () => {
      const { trunks, gateways } = await read();
      return probedGateways(gateways, trunks);
    },
    probe: optionsProbe(options.core),
    intervalMs: config.probeInterval * 1000,
    timeoutMs: Math.min(config.probeTimeout, config.probeInterval) * 1000,
    downAfterFailures: config.probeFailures,
    onChange: (status) => {
      const down = status.state === 'down';
      const fields = { gateway: status.id, trunk: status.trunk, uri: status.uri };
      if (down) logger.warn({ ...fields, reason: status.lastError }, 'gateway down');
      else logger.info(fields, 'gateway up');
      events.publish({
        type: down ? 'gateway.down' : 'gateway.up',
        gateway: status.id,
        trunk: status.trunk ?? '',
        uri: status.uri,
        at: Date.now(),
        ...(down && status.lastStatus !== undefined ? { status: status.lastStatus } : {}),
        ...(down && status.lastError !== undefined ? { reason: status.lastError } : {}),
      });
    },
    onError: (err) => logger.warn({ err }, 'gateway probing failed'),
  });
  const registrations = new TrunkRegistrations({
    core: options.core,
    trunks: async () => (await read()).trunks,
    localContact: (protocol) => options.stack.localContact(protocol),
    pollMs: REGISTRATIONS_POLL_MS,
    onChange: (status, previous) => publishRegistration(events, logger, status, previous),
    onError: (err, trunk) => logger.warn({ err, trunk }, 'outbound registration could not be set up'),
  });
  return {
    prober,
    registrations,
    async start() {
      prober.start();
      await registrations.start();
    },
    async stop() {
      prober.stop();
      await registrations.stop();
    },
  };
}

function publishRegistration(
  events: EventBus,
  logger: Logger,
  status: TrunkRegistrationStatus,
  previous: RegistrationState,
): void {
  const base = { trunk: status.trunk, registrar: status.registrar, at: Date.now() };
  if (status.state === 'registered') {
    logger.info({ trunk: status.trunk, expires: status.expires }, 'registered at the carrier');
    events.publish({
      type: 'trunk.registered',
      ...base,
      ...(status.expires ? { expires: status.expires } : {}),
    });
  } else if (status.state === 'failed') {
    logger.warn({ trunk: status.trunk, reason: status.lastError }, 'registration at the carrier failed');
    events.publish({
      type: 'trunk.registration_failed',
      ...base,
      ...(status.lastStatus !== undefined ? { status: status.lastStatus } : {}),
      ...(status.lastError !== undefined ? { reason: status.lastError } : {}),
    });
  } else if (status.state === 'unregistered' && previous !== 'registering') {
    events.publish({ type: 'trunk.unregistered', ...base });
  }
}

/** Trunks and gateways as stored, read again only when the routing revision moved. */
function storedCarriers(
  store: Pick<TrunkRepository, 'routingRevision' | 'listTrunks' | 'listGateways'>,
): () => Promise<{ trunks: Trunk[]; gateways: Gateway[] }> {
  let revision: number | undefined;
  let cached: { trunks: Trunk[]; gateways: Gateway[] } | undefined;
  let reading: Promise<{ trunks: Trunk[]; gateways: Gateway[] }> | undefined;
  const load = async () => {
    const current = await store.routingRevision();
    if (cached && current === revision) return cached;
    const [trunks, gateways] = await Promise.all([store.listTrunks(), store.listGateways()]);
    revision = current;
    cached = { trunks, gateways };
    return cached;
  };
  return () => {
    reading ??= load().finally(() => {
      reading = undefined;
    });
    return reading;
  };
}
