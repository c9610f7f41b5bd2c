import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { SwitchboardConfig } from './config/index.js';
import {
  AllowList,
  BanSync,
  EdgeGuard,
  EventLoopLag,
  OverloadMonitor,
  registerEdgeMetrics,
  ScannerDetector,
} from './edge/index.js';
import { FlowTokens, Outbound } from './edge/outbound/index.js';
import type { EventBus } from './events/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import { isWildcard } from './sip/stack/index.js';
import type { TransportLayer } from './sip/transport/index.js';
import type { BanRepository } from './store/index.js';

/** A node's edge protection: the packet filter, the overload test and what keeps them current. */
export interface NodeEdge {
  guard: EdgeGuard;
  overload: OverloadMonitor;
  /**
   * Keep the bans in the store from now on (edge.banPollInterval): its live bans are adopted
   * before this resolves, so a restarted node drops its banned sources from the first packet.
   */
  shareBans(store: BanRepository, node: string): Promise<void>;
  close(): void;
}

/** Expired bans are swept this often, so edge.unbanned goes out near the ban's end. */
const SWEEP_INTERVAL_MS = 1000;

/**
 * Builds the edge of a node from `edge.*` and `overload.*`. `isTrunkSource` tells whether an
 * address is in a trunk's inbound networks (allowed: carriers are never banned).
 */
export function startEdge(
  config: SwitchboardConfig,
  events: EventBus,
  metrics: MetricsRegistry,
  logger: Logger,
  isTrunkSource: (address: string) => boolean,
): NodeEdge {
  const { edge, overload } = config;
  let sync: BanSync | undefined;
  const guard = new EdgeGuard({
    floodRequests: edge.flood.requests,
    floodWindowMs: edge.flood.window * 1000,
    floodBanMs: edge.flood.banTime * 1000,
    authFailures: edge.authFailures.count,
    authBanMs: edge.authFailures.banTime * 1000,
    scannerBanMs: edge.scanners.banTime * 1000,
    maxSources: edge.maxSources,
    scanners: new ScannerDetector(edge.scanners.userAgents),
    allow: new AllowList([...edge.allow, ...ownAddresses(config)], isTrunkSource),
    onBan: (ban, detail) => {
      sync?.banned(ban);
      logger.warn({ address: ban.address, reason: ban.reason, detail, until: ban.until }, 'source banned');
      events.publish({
        type: 'edge.banned',
        address: ban.address,
        reason: ban.reason,
        at: ban.since,
        ...(ban.until !== undefined ? { until: ban.until } : {}),
        ...(detail !== undefined ? { detail } : {}),
      });
    },
    onUnban: (ban, ended) => {
      sync?.unbanned(ban, ended);
      logger.info({ address: ban.address, reason: ban.reason, ended, dropped: ban.dropped }, 'ban ended');
      events.publish({
        type: 'edge.unbanned',
        address: ban.address,
        reason: ban.reason,
        at: Date.now(),
        ended,
        dropped: ban.dropped,
      });
    },
  });
  const lag = overload.maxEventLoopDelay > 0 ? new EventLoopLag() : undefined;
  const monitor = new OverloadMonitor({
    maxServerTransactions: overload.maxServerTransactions,
    maxEventLoopDelayMs: overload.maxEventLoopDelay,
    retryAfter: overload.retryAfter,
    ...(lag ? { eventLoopDelay: () => lag.ms } : {}),
  });
  registerEdgeMetrics(metrics, guard, monitor, lag && (() => lag.ms));
  const sweeper = setInterval(() => guard.sweep(), SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    guard,
    overload: monitor,
    async shareBans(store, node) {
      sync = new BanSync({
        store,
        guard,
        node,
        pollIntervalMs: edge.banPollInterval * 1000,
        onError: (err) => logger.warn({ err }, 'bans: the store could not be read or written'),
      });
      await sync.start();
    },
    close() {
      sync?.stop();
      clearInterval(sweeper);
      lag?.close();
    },
  };
}

/**
 * The node's own addresses, never limited (Kamailio's stock configuration checks floods only
 * `if (src_ip!=myself)`): what it listens on, every interface's when it listens on a wildcard.
 */
function ownAddresses(config: SwitchboardConfig): string[] {
  const own = new Set<string>();
  for (const address of config.sip.listen) {
    if (!isWildcard(address)) own.add(address);
    else
      for (const list of Object.values(networkInterfaces()))
        for (const info of list ?? []) own.add(info.address.replace(/%.*$/, ''));
  }
  const advertised = config.sip.advertisedAddress;
  if (advertised !== undefined && isIP(advertised) !== 0) own.add(advertised);
  return [...own].filter((a) => isIP(a) !== 0);
}

/**
 * RFC 5626 flow tokens of a node's Record-Routes, routed back over its transports. The key is
 * derived from auth.nonceSecret when one is set, so tokens of UDP flows (NAT bindings) still
 * verify after a restart; random otherwise (connections do not outlive the process anyway).
 */
export function nodeOutbound(config: SwitchboardConfig, transports: TransportLayer): Outbound {
  const secret = config.auth.nonceSecret;
  const key = secret ? createHmac('sha256', secret).update('switchboard flow tokens').digest() : undefined;
  return new Outbound(new FlowTokens(key), (flow) => transports.flowAlive(flow));
}
