import type { Logger } from 'pino';
import type { SwitchboardConfig } from './config/index.js';
import { NodeUserAgent } from './node-user-agent.js';
import { ProxyRole } from './proxy/index.js';
import type { Uri } from './sip/message/index.js';
import { SipStack } from './sip/stack/index.js';
import { TcpTransport, type Transport, TransportLayer, UdpTransport } from './sip/transport/index.js';
import type { Endpoint, Target } from './sip/transport/types.js';

/** Replaceable parts, for tests (a resolver that never leaves loopback). */
export interface NodeOverrides {
  resolve?: (uri: Uri) => Promise<Target>;
}

export interface RunningNode {
  listening: Endpoint[];
  stack: SipStack;
  stop(): Promise<void>;
}

/** Start one Switchboard node: its transports, SIP stack and roles, as the configuration says. */
export async function startNode(
  config: SwitchboardConfig,
  logger: Logger,
  overrides: NodeOverrides = {},
): Promise<RunningNode> {
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
  const userAgent = new NodeUserAgent(stack, config.sip.timers);
  const proxy = new ProxyRole(
    stack,
    {
      defaultRoute: config.proxy.defaultRoute,
      mode: config.proxy.mode,
      recordRoute: config.proxy.recordRoute,
      timerC: config.sip.timerC,
      t1: config.sip.timers.t1,
    },
    userAgent,
  );
  stack.attach(proxy);
  await transports.listen();
  const listening = stack.listening();
  for (const endpoint of listening) logger.info({ endpoint }, 'listening');
  let stopped = false;
  return {
    listening,
    stack,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stack.close();
      await transports.close();
      logger.info('stopped');
    },
  };
}
