import type { Logger } from 'pino';
import type { MediaConfig } from './config/index.js';
import { NgClient } from './media/ng/index.js';
import {
  type BuiltinMediaRelay,
  type BuiltinRelayConfig,
  createBuiltinMediaRelay,
  type MediaRelay,
  type RelayCounters,
  RtpengineMediaRelay,
} from './media/relay/index.js';
import type { MetricsRegistry } from './metrics/index.js';

/**
 * The node's one MediaRelay, as media.relay says; roles (the B2BUA) get it through NodeServices.
 * The built-in relay starts its worker threads (ports are bound per call); rtpengine's client
 * only opens its ng socket.
 */
export function startMediaRelay(
  config: MediaConfig,
  defaultAddress: string,
  logger: Logger,
  metrics: MetricsRegistry,
): MediaRelay {
  if (config.relay === 'rtpengine') {
    const relay = new RtpengineMediaRelay(new NgClient(config.rtpengine));
    logger.info({ relay: relay.kind, rtpengine: config.rtpengine }, 'media relay');
    return relay;
  }
  const options = builtinRelayConfig(config, defaultAddress);
  const relay = createBuiltinMediaRelay({
    ...options,
    onWarning: (message) => logger.warn({ relay: 'builtin' }, message),
  });
  registerRelayMetrics(metrics, relay);
  logger.info(
    { relay: relay.kind, address: options.address, ports: `${config.portMin}-${config.portMax}` },
    'media relay',
  );
  return relay;
}

/** The built-in relay's settings from the media.* keys (seconds become milliseconds). */
export function builtinRelayConfig(config: MediaConfig, defaultAddress: string): BuiltinRelayConfig {
  return {
    address: config.address ?? defaultAddress,
    ...(config.advertisedAddress === undefined ? {} : { advertisedAddress: config.advertisedAddress }),
    portMin: config.portMin,
    portMax: config.portMax,
    timeoutMs: config.timeout * 1000,
    consentMs: config.consentTimeout * 1000,
    dscp: config.dscp,
    workers: config.workers,
  };
}

/** The built-in relay's figures, asked of its workers when /metrics is scraped. */
function registerRelayMetrics(metrics: MetricsRegistry, relay: BuiltinMediaRelay): void {
  let reading: Promise<RelayCounters & { sessions: number }> | undefined;
  // One read of the workers per scrape, shared by the metrics below.
  const read = () => {
    reading ??= relay.counters().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const seen = {
    packets: 0,
    bytes: 0,
    forked: 0,
    unmarked: 0,
    dropped: { source: 0, malformed: 0, unrouted: 0, send: 0, srtp: 0, stun: 0, dtls: 0, consent: 0 },
  };
  metrics.gauge({
    name: 'media_sessions',
    help: 'Calls the built-in media relay holds',
    async collect() {
      const last = await read();
      this.set(last.sessions);
    },
  });
  metrics.gauge({
    name: 'media_ports',
    help: 'RTP/RTCP port pairs the built-in media relay holds',
    async collect() {
      this.set((await read()).endpoints);
    },
  });
  metrics.counter({
    name: 'media_packets_relayed_total',
    help: 'RTP and RTCP packets the built-in media relay sent on',
    async collect() {
      const now = (await read()).packets;
      if (now > seen.packets) this.inc(now - seen.packets);
      seen.packets = now;
    },
  });
  metrics.counter({
    name: 'media_bytes_relayed_total',
    help: 'Bytes (UDP payload) the built-in media relay sent on',
    async collect() {
      const now = (await read()).bytes;
      if (now > seen.bytes) this.inc(now - seen.bytes);
      seen.bytes = now;
    },
  });
  metrics.counter({
    name: 'media_packets_forked_total',
    help: 'RTP and RTCP packets the built-in media relay copied to recorders (recording policies, MediaRelay.subscribe)',
    async collect() {
      const now = (await read()).forked;
      if (now > seen.forked) this.inc(now - seen.forked);
      seen.forked = now;
    },
  });
  metrics.counter({
    name: 'media_sockets_unmarked_total',
    help: 'Sockets (RTP and RTCP) the built-in media relay bound without the DSCP of media.dscp (the system refused IP_TOS/IPV6_TCLASS, or node:dgram, which cannot set it); their packets still flow',
    async collect() {
      const now = (await read()).unmarked;
      if (now > seen.unmarked) this.inc(now - seen.unmarked);
      seen.unmarked = now;
    },
  });
  metrics.counter({
    name: 'media_packets_dropped_total',
    help: 'Datagrams the built-in media relay dropped, by reason (source: not the latched sender; malformed: not RTP/RTCP; unrouted: the other side has no address yet; send: socket error; srtp: SRTP/SRTCP failing authentication, replayed or without agreed keys; stun: ICE checks without valid credentials; dtls: DTLS garbage or not from the ICE-chosen address; consent: towards a WebRTC side without ICE consent)',
    labelNames: ['reason'],
    async collect() {
      const now = (await read()).dropped;
      for (const reason of Object.keys(now) as Array<keyof typeof now>) {
        if (now[reason] > seen.dropped[reason]) this.inc({ reason }, now[reason] - seen.dropped[reason]);
        seen.dropped[reason] = now[reason];
      }
    },
  });
}
