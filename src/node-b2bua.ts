import { B2bua, type CallRecordSink } from './b2bua/index.js';
import type { SwitchboardConfig } from './config/index.js';
import type { EventBus } from './events/index.js';
import type { Logger } from './log.js';
import type { MediaRelay } from './media/relay/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import type { SipStack } from './sip/stack/index.js';
import type { UserAgentCore } from './sip/ua/index.js';

export interface B2buaParts {
  config: SwitchboardConfig;
  core: UserAgentCore;
  stack: SipStack;
  events: EventBus;
  metrics: MetricsRegistry;
  logger: Logger;
  media?: MediaRelay;
  records?: CallRecordSink;
}

/**
 * The node's B2BUA when `b2bua.mode` takes any calls (undefined when off: every call proxied),
 * sharing the node's UA core so the legs' in-dialog requests reach their sessions, with its
 * counters in /metrics.
 */
export function startB2bua(parts: B2buaParts): B2bua | undefined {
  const { config, metrics, logger } = parts;
  if (config.b2bua.mode === 'off') return undefined;
  const ended = new Map<string, number>();
  let started = 0;
  const b2bua = new B2bua({
    core: parts.core,
    mode: config.b2bua.mode,
    passHeaders: config.b2bua.passHeaders,
    maxCallDuration: config.b2bua.maxCallDuration,
    isOwnUri: (uri) => parts.stack.isLocalUri(uri),
    events: parts.events,
    ...(parts.media && config.b2bua.anchorMedia ? { media: parts.media } : {}),
    ...(parts.records ? { records: parts.records } : {}),
    metrics: {
      callStarted: () => {
        started++;
      },
      callEnded: (disposition) => ended.set(disposition, (ended.get(disposition) ?? 0) + 1),
    },
    onError: (err, context) => logger.warn({ err, context }, 'b2bua call failed'),
  });
  metrics.gauge({
    name: 'b2bua_calls_active',
    help: 'Calls the B2BUA holds now (both legs under the node)',
    collect() {
      this.set(b2bua.active);
    },
  });
  metrics.counter({
    name: 'b2bua_calls_started_total',
    help: 'Calls the B2BUA took over',
    collect() {
      this.reset();
      this.inc(started);
    },
  });
  metrics.counter({
    name: 'b2bua_calls_ended_total',
    help: 'B2BUA calls ended, by disposition: answered, busy, no-answer, cancelled, failed',
    labelNames: ['disposition'],
    collect() {
      this.reset();
      for (const [disposition, n] of ended) this.inc({ disposition }, n);
    },
  });
  logger.info(
    { mode: config.b2bua.mode, media: config.b2bua.anchorMedia ? parts.media?.kind : 'passed through' },
    'b2bua taking calls',
  );
  return b2bua;
}
