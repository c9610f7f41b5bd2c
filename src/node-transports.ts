import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SipTransportName, SwitchboardConfig } from './config/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import { nativeUdpModule } from './native/index.js';
import { loadTlsCredentials } from './node-tls.js';
import {
  type ClientTls,
  type Endpoint,
  TcpTransport,
  type TlsCredentials,
  TlsTransport,
  type Transport,
  type TransportLayer,
  UdpTransport,
  WsTransport,
} from './sip/transport/index.js';

/** The port a transport listens on: sip.port for UDP and TCP, its own key for the others. */
export function transportPort(config: SwitchboardConfig, protocol: SipTransportName): number {
  if (protocol === 'tls') return config.tls.port;
  if (protocol === 'ws') return config.ws.port;
  if (protocol === 'wss') return config.wss.port;
  return config.sip.port;
}

/** Per-destination TLS for connections the node opens (trunks' client certificates), given the node's own. */
export interface ClientTlsSource {
  useOwn(own: TlsCredentials): void;
  forDestination(destination: Endpoint): ClientTls | undefined;
}

/** The missing native module is logged once per process, not per listen address. */
let udpBatchingChecked = false;
/** The same, once per process, for tls.engine native without its module. */
let tlsEngineChecked = false;

/** One transport per listen address and configured protocol, added to the layer. */
export async function addTransports(
  transports: TransportLayer,
  config: SwitchboardConfig,
  logger: Logger,
  clientTls?: ClientTlsSource,
): Promise<void> {
  const wanted = config.sip.transports;
  // TLS and WSS share one certificate, loaded (or made) once.
  const credentials =
    wanted.includes('tls') || wanted.includes('wss') ? await loadTlsCredentials(config, logger) : undefined;
  if (credentials) clientTls?.useOwn(credentials);
  for (const host of config.sip.listen) {
    for (const protocol of wanted) {
      const options = {
        host,
        port: transportPort(config, protocol),
        maxMessageSize: config.sip.maxMessageSize,
        maxConnectionsPerSource: config.sip.maxConnectionsPerSource,
      };
      let transport: Transport;
      if (protocol === 'udp') {
        transport = new UdpTransport({ ...options, batching: config.sip.udpBatching });
        if (config.sip.udpBatching && !udpBatchingChecked) {
          udpBatchingChecked = true;
          if (nativeUdpModule() === undefined)
            logger.warn(
              'sip.udpBatching: the native module (build/Release/batch_receiver.node) is not built or predates the batched sender: SIP over UDP uses node:dgram, at about twice the CPU per datagram (run npm install on Linux with make, g++ and python3)',
            );
        }
      } else if (protocol === 'tcp') transport = new TcpTransport(options);
      else if (protocol === 'tls') {
        const tls = new TlsTransport({
          ...options,
          tls: credentials!,
          ...(clientTls ? { clientTls: (d: Endpoint) => clientTls.forDestination(d) } : {}),
        });
        warnTlsEngine(config, tls.engine, logger);
        transport = tls;
      } else if (protocol === 'ws') transport = new WsTransport(options);
      else {
        const wss = new WsTransport({ ...options, tls: credentials! });
        warnTlsEngine(config, wss.engine, logger);
        transport = wss;
      }
      transports.add(transport);
    }
  }
}

/** tls.engine native without its module: said once, for the TLS and WSS listeners both. */
function warnTlsEngine(config: SwitchboardConfig, engine: string | undefined, logger: Logger): void {
  if (config.tls.engine !== 'native' || engine === 'native' || tlsEngineChecked) return;
  tlsEngineChecked = true;
  logger.warn(
    'tls.engine: the native module (build/Release/tls_session.node) is not built: the TLS and WSS listeners use node:tls, at about 27 KB (TLS) and 31 KB (WSS) per idle connection (run npm install on Linux with make, g++ and python3)',
  );
}

/**
 * sip.websocketOnApiPort: SIP over WebSocket on the API's server too (RFC 7118 §4; WSS were it
 * HTTPS). Upgrades never reach the API's routes, so no API key is asked: SIP has its digest.
 */
export function addApiPortTransport(
  transports: TransportLayer,
  config: SwitchboardConfig,
  api: FastifyInstance,
): WsTransport {
  const transport = new WsTransport({
    host: config.api.listen,
    port: config.api.port,
    server: api.server,
    maxMessageSize: config.sip.maxMessageSize,
    maxConnectionsPerSource: config.sip.maxConnectionsPerSource,
  });
  transports.add(transport);
  // The API's server closes only once every socket it accepted has, the upgraded ones too.
  api.addHook('preClose', () => transport.close());
  return transport;
}

/** Connections per transport, STUN keep-alives and TLS handshake failures in /metrics. */
export function registerTransportMetrics(metrics: MetricsRegistry, transports: TransportLayer): void {
  metrics.gauge({
    name: 'sip_transport_connections',
    help: 'Open SIP connections by transport (tcp, tls, ws, wss), inbound and outbound',
    labelNames: ['transport'],
    collect() {
      this.reset();
      for (const [transport, n] of Object.entries(transports.connectionCounts())) this.set({ transport }, n);
    },
  });
  metrics.counter({
    name: 'sip_transport_refused_total',
    help: "Connections refused by transport: over the connection limit (refused), over a source address's share or the listener's socket limit before any handshake (source_limit), WebSocket upgrades without the sip subprotocol, failed TLS handshakes (handshake)",
    labelNames: ['transport', 'reason'],
    collect() {
      this.reset();
      for (const t of transports.transports) {
        if (t instanceof TcpTransport || t instanceof TlsTransport || t instanceof WsTransport)
          this.inc({ transport: t.protocol, reason: 'refused' }, t.refused);
        if (t instanceof TcpTransport || t instanceof TlsTransport || t instanceof WsTransport)
          this.inc({ transport: t.protocol, reason: 'source_limit' }, t.sourceLimit.refused);
        if (t instanceof TlsTransport || (t instanceof WsTransport && t.protocol === 'wss'))
          this.inc({ transport: t.protocol, reason: 'handshake' }, t.handshakeFailures);
      }
    },
  });
  metrics.counter({
    name: 'sip_udp_send_failures_total',
    help: 'SIP UDP datagrams that could not be sent (and socket errors), by errno: EAGAIN after the batched sender retried a full send buffer, ENOBUFS, EMSGSIZE, ENETUNREACH...',
    labelNames: ['error'],
    collect() {
      this.reset();
      for (const t of transports.transports) {
        if (!(t instanceof UdpTransport)) continue;
        for (const [error, n] of t.sendFailures) this.inc({ error }, n);
      }
    },
  });
  metrics.counter({
    name: 'sip_stun_requests_total',
    help: 'STUN messages on the SIP UDP port (RFC 5626 §3.5.2 keep-alives): answered Binding requests, dropped others',
    labelNames: ['result'],
    collect() {
      this.reset();
      let answered = 0;
      let dropped = 0;
      for (const t of transports.transports) {
        if (!(t instanceof UdpTransport)) continue;
        answered += t.stunAnswered;
        dropped += t.stunDropped;
      }
      this.inc({ result: 'answered' }, answered);
      this.inc({ result: 'dropped' }, dropped);
    },
  });
}
