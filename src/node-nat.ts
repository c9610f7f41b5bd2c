import type { Logger } from 'pino';
import type { NatConfig } from './config/index.js';
import { crlfPing, NatKeepalive, natedContact, optionsPing, type SendRaw } from './edge/nat/index.js';
import type { EventBus } from './events/index.js';
import type { MemoryLocationService } from './location/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import { bindingEvent } from './registrar/index.js';
import type { SipStack } from './sip/stack/index.js';
import type { Target, TransportProtocol } from './sip/transport/index.js';
import type { UserAgentCore } from './sip/ua/index.js';

export interface NodeNat {
  keepalive: NatKeepalive;
  stop(): void;
}

/**
 * The keep-alive of a node's registrations behind NAT (nat.keepaliveInterval): bindings are
 * tracked from the registration events (and the ones restored at start), pinged through the
 * node's UA core or its transports, and a binding that stops answering is removed with
 * `registration.removed` (reason `keepalive`). Undefined when the interval is 0.
 */
export function startNatKeepalive(options: {
  config: NatConfig;
  location: MemoryLocationService;
  events: EventBus;
  core: UserAgentCore;
  stack: SipStack;
  sendRaw: SendRaw;
  metrics: MetricsRegistry;
  logger: Logger;
  now: () => number;
}): NodeNat | undefined {
  const { config, location, events, metrics, logger, now } = options;
  if (config.keepaliveInterval === 0) return undefined;
  const sent = metrics.counter({
    name: 'nat_keepalives_sent_total',
    help: 'Keep-alives sent to registrations behind NAT, by kind (options over UDP, crlf over streams)',
    labelNames: ['kind'],
  });
  const failed = metrics.counter({
    name: 'nat_keepalives_failed_total',
    help: 'Keep-alives to registrations behind NAT that got no answer (or could not be sent), by kind',
    labelNames: ['kind'],
  });
  const expired = metrics.counter({
    name: 'nat_keepalive_expired_total',
    help: 'Bindings removed because they stopped answering keep-alives (nat.keepaliveFailures in a row)',
  });
  const keepalive = new NatKeepalive({
    intervalMs: config.keepaliveInterval * 1000,
    failures: config.keepaliveFailures,
    location,
    ping: {
      options: optionsPing(
        options.core,
        (request, target, handlers) => options.stack.sendRequest(request, target, handlers),
        Math.min(config.keepaliveTimeout, config.keepaliveInterval) * 1000,
      ),
      crlf: crlfPing(options.sendRaw),
    },
    counters: {
      sent: (kind) => sent.inc({ kind }),
      failed: (kind) => failed.inc({ kind }),
      expired: () => expired.inc(),
    },
    onExpired: (binding) => {
      logger.info({ aor: binding.aor, contact: binding.contact }, 'binding stopped answering keep-alives');
      events.publish(bindingEvent('registration.removed', binding, now(), 'keepalive'));
    },
    onError: (err) => logger.warn({ err }, 'NAT keep-alive failed'),
    now,
  });
  metrics.gauge({
    name: 'nat_registrations',
    help: 'Registrations behind NAT that the node keeps alive',
    collect() {
      this.set(keepalive.size);
    },
  });
  // WebSocket connections keep themselves with ping frames: the keep-alive leaves them out.
  const nated = (contact: string, source: { protocol: string; address: string; port: number }) =>
    source.protocol !== 'ws' &&
    source.protocol !== 'wss' &&
    natedContact(contact, { ...source, protocol: source.protocol as TransportProtocol } satisfies Target);
  for (const b of location.bindings()) if (nated(b.contact, b.source)) keepalive.track(b.aor, b.contact);
  const unsubscribe = events.subscribe('registration.*', (event) => {
    if (event.type === 'registration.created' || event.type === 'registration.refreshed') {
      if (nated(event.contact, event.source)) keepalive.track(event.aor, event.contact);
      else keepalive.untrack(event.aor, event.contact);
    } else keepalive.untrack(event.aor, event.contact);
  });
  return {
    keepalive,
    stop() {
      unsubscribe();
      keepalive.stop();
    },
  };
}
