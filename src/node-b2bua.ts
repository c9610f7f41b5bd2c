import { AdmissionControl, B2bua, CdrWriter } from './b2bua/index.js';
import type { SwitchboardConfig } from './config/index.js';
import type { EventBus } from './events/index.js';
import type { Logger } from './log.js';
import type { MediaRelay } from './media/relay/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import type { SipStack } from './sip/stack/index.js';
import type { UserAgentCore } from './sip/ua/index.js';
import type { CdrRepository } from './store/index.js';

export interface B2buaParts {
  config: SwitchboardConfig;
  core: UserAgentCore;
  stack: SipStack;
  events: EventBus;
  metrics: MetricsRegistry;
  logger: Logger;
  cdrs: CdrRepository;
  media?: MediaRelay;
}

/** The node's B2BUA and its CDR writer; `stop` ends the calls and writes their CDRs. */
export interface NodeB2bua {
  b2bua: B2bua;
  cdrs: CdrWriter;
  stop(): Promise<void>;
}

/**
 * The node's B2BUA when `b2bua.mode` takes any calls (undefined when off: every call proxied),
 * sharing the node's UA core so the legs' in-dialog requests reach their sessions; each ended
 * call's CDR goes to the store; counters in /metrics.
 */
export function startB2bua(parts: B2buaParts): NodeB2bua | undefined {
  const { config, metrics, logger } = parts;
  if (config.b2bua.mode === 'off') return undefined;
  const ended = new Map<string, number>();
  const refused = new Map<number, number>();
  let started = 0;
  const cdrs = new CdrWriter({
    store: parts.cdrs,
    onRetry: (cdr, err, attempt) =>
      logger.warn({ err, cdr: cdr.id, attempt }, 'cdr not written yet, retrying'),
    // The whole record goes to the log: it can be loaded from there.
    onGiveUp: (cdr, err) => logger.error({ err, cdr }, 'cdr could not be written'),
  });
  const b2bua = new B2bua({
    core: parts.core,
    mode: config.b2bua.mode,
    passHeaders: config.b2bua.passHeaders,
    maxCallDuration: config.b2bua.maxCallDuration,
    sessionExpires: config.b2bua.sessionExpires,
    mediaTimeout: config.b2bua.mediaTimeout,
    admission: new AdmissionControl({
      concurrent: {
        subscriber: config.b2bua.maxCallsPerSubscriber,
        domain: config.b2bua.maxCallsPerDomain,
        trunk: config.b2bua.maxCallsPerTrunk,
      },
      perSecond: config.b2bua.maxCallRate,
      emergency: config.b2bua.emergencyNumbers,
    }),
    isOwnUri: (uri) => parts.stack.isLocalUri(uri),
    events: parts.events,
    ...(parts.media && config.b2bua.anchorMedia ? { media: parts.media } : {}),
    records: cdrs,
    metrics: {
      callStarted: () => {
        started++;
      },
      callEnded: (disposition) => ended.set(disposition, (ended.get(disposition) ?? 0) + 1),
      callRefused: (status) => refused.set(status, (refused.get(status) ?? 0) + 1),
    },
    onError: (err, context) => logger.warn({ err, context }, 'b2bua call failed'),
  });
  registerB2buaMetrics(metrics, b2bua, cdrs, () => started, ended);
  metrics.counter({
    name: 'b2bua_calls_refused_total',
    help: 'Calls refused by admission control, by status: 403 (concurrent calls), 503 (call rate)',
    labelNames: ['status'],
    collect() {
      this.reset();
      for (const [status, n] of refused) this.inc({ status: String(status) }, n);
    },
  });
  logger.info(
    { mode: config.b2bua.mode, media: config.b2bua.anchorMedia ? parts.media?.kind : 'passed through' },
    'b2bua taking calls',
  );
  return {
    b2bua,
    cdrs,
    async stop() {
      await b2bua.stop();
      await cdrs.stop();
    },
  };
}

function registerB2buaMetrics(
  metrics: MetricsRegistry,
  b2bua: B2bua,
  cdrs: CdrWriter,
  started: () => number,
  ended: Map<string, number>,
): void {
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
      this.inc(started());
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
  metrics.counter({
    name: 'cdrs_written_total',
    help: 'Call detail records written to the store',
    collect() {
      this.reset();
      this.inc(cdrs.written);
    },
  });
  metrics.counter({
    name: 'cdr_write_failures_total',
    help: 'CDR writes that failed and were retried (the store unreachable)',
    collect() {
      this.reset();
      this.inc(cdrs.retried);
    },
  });
  metrics.counter({
    name: 'cdrs_given_up_total',
    help: 'CDRs that could not be written at all, logged whole instead',
    collect() {
      this.reset();
      this.inc(cdrs.givenUp);
    },
  });
  metrics.gauge({
    name: 'cdrs_pending',
    help: 'CDRs waiting for a retry of their write',
    collect() {
      this.set(cdrs.backlog);
    },
  });
}
