import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AdmissionControl,
  B2bua,
  CallJournal,
  CallRecordings,
  CdrWriter,
  type RelayRecorder,
} from './b2bua/index.js';
import type { SwitchboardConfig } from './config/index.js';
import type { EventBus } from './events/index.js';
import type { Logger } from './log.js';
import type { MediaRelay } from './media/relay/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import type { SipStack } from './sip/stack/index.js';
import type { UserAgentCore } from './sip/ua/index.js';
import type { CallJournalRepository, CallPolicyRepository, CdrRepository } from './store/index.js';

export interface B2buaParts {
  config: SwitchboardConfig;
  core: UserAgentCore;
  stack: SipStack;
  events: EventBus;
  metrics: MetricsRegistry;
  logger: Logger;
  cdrs: CdrRepository;
  /** Open records of calls in progress (a node killed mid-call still leaves their CDRs). */
  journal: CallJournalRepository;
  media?: MediaRelay;
  /** Call and recording policies of subscribers, domains and trunks. */
  policies?: CallPolicyRepository;
  /** The recording service, for calls under a recording policy. */
  recorder?: RelayRecorder;
}

/** The node's B2BUA and its CDR writer; `stop` ends the calls and writes their CDRs. */
export interface NodeB2bua {
  b2bua: B2bua;
  cdrs: CdrWriter;
  journal: CallJournal;
  stop(): Promise<void>;
}

/**
 * The node's B2BUA, sharing the node's UA core so the legs' in-dialog requests reach their
 * sessions: it takes the calls `b2bua.mode` and the call and recording policies pick (with mode
 * off and no policy in the store, none); each ended call's CDR goes to the store; counters in /metrics.
 */
export async function startB2bua(parts: B2buaParts): Promise<NodeB2bua | undefined> {
  const { config, metrics, logger } = parts;
  if (config.b2bua.mode === 'off' && !parts.policies) return undefined;
  const journal = await startJournal(parts);
  const ended = new Map<string, number>();
  const refused = new Map<number, number>();
  const transfers = new Map<string, number>();
  let started = 0;
  const cdrs = new CdrWriter({
    store: parts.cdrs,
    onRetry: (cdr, err, attempt) =>
      logger.warn({ err, cdr: cdr.id, attempt }, 'cdr not written yet, retrying'),
    // The whole record goes to the log: it can be loaded from there.
    onGiveUp: (cdr, err) => logger.error({ err, cdr }, 'cdr could not be written'),
    onWritten: (cdr) => journal.closed(cdr.id),
  });
  const relay = parts.media && config.b2bua.anchorMedia ? parts.media : undefined;
  const unrecorded = new Map<string, number>();
  let recorded = 0;
  const recordings = new CallRecordings({
    recorder: parts.recorder,
    relay,
    onUnrecorded: (call, policy, why) =>
      logger.warn(
        { call, subscriber: policy.subscriber, why },
        'call goes on unrecorded: recording needs its media anchored on the relay (b2bua.anchorMedia) and the relay to fork it',
      ),
    metrics: {
      started: () => {
        recorded++;
      },
      unrecorded: (reason) => unrecorded.set(reason, (unrecorded.get(reason) ?? 0) + 1),
    },
  });
  const b2bua = new B2bua({
    core: parts.core,
    mode: config.b2bua.mode,
    ...(parts.policies ? { policies: parts.policies } : {}),
    recordings,
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
    ...(relay ? { media: relay } : {}),
    records: cdrs,
    journal,
    metrics: {
      callStarted: () => {
        started++;
      },
      callEnded: (disposition) => ended.set(disposition, (ended.get(disposition) ?? 0) + 1),
      callRefused: (status) => refused.set(status, (refused.get(status) ?? 0) + 1),
      transfer: (kind, result) => {
        const key = `${kind}|${result}`;
        transfers.set(key, (transfers.get(key) ?? 0) + 1);
      },
    },
    onError: (err, context) => logger.warn({ err, context }, 'b2bua call failed'),
  });
  registerB2buaMetrics(metrics, b2bua, cdrs, () => started, ended);
  metrics.counter({
    name: 'b2bua_calls_interrupted_total',
    help: 'CDRs written as interrupted for calls a node left open when it died (at restart, or its records gone stale)',
    collect() {
      this.reset();
      this.inc(journal.recovered);
    },
  });
  metrics.counter({
    name: 'b2bua_calls_refused_total',
    help: 'Calls refused by admission control, by status: 403 (concurrent calls), 503 (call rate)',
    labelNames: ['status'],
    collect() {
      this.reset();
      for (const [status, n] of refused) this.inc({ status: String(status) }, n);
    },
  });
  metrics.counter({
    name: 'b2bua_transfers_total',
    help: 'Call transfers the B2BUA carried out, by kind (blind, attended: REFER with Replaces, replaces: INVITE with Replaces) and result',
    labelNames: ['kind', 'result'],
    collect() {
      this.reset();
      for (const [key, n] of transfers) {
        const [kind, result] = key.split('|') as [string, string];
        this.inc({ kind, result }, n);
      }
    },
  });
  metrics.counter({
    name: 'b2bua_calls_recorded_total',
    help: 'B2BUA calls recorded by a recording policy (the recorder forking them from the relay)',
    collect() {
      this.reset();
      this.inc(recorded);
    },
  });
  metrics.counter({
    name: 'b2bua_calls_unrecorded_total',
    help: 'Calls under a recording policy that went on unrecorded, by reason: no-relay (media not anchored), relay-refused (the relay could not fork them)',
    labelNames: ['reason'],
    collect() {
      this.reset();
      for (const [reason, n] of unrecorded) this.inc({ reason }, n);
    },
  });
  logger.info(
    {
      mode: config.b2bua.mode,
      policies: parts.policies !== undefined,
      media: config.b2bua.anchorMedia ? parts.media?.kind : 'passed through',
    },
    'b2bua taking calls by policy',
  );
  return {
    b2bua,
    cdrs,
    journal,
    async stop() {
      await b2bua.stop();
      await cdrs.stop();
      // After the CDRs: each written one deleted its call's record.
      await journal.stop();
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

/**
 * The call journal of this node (`hostname:sipPort`) and run: the calls a previous run left open
 * (it was killed, or its host lost power) are written as interrupted CDRs before any call is
 * taken; then a heartbeat marks this run's calls seen, and records of nodes gone silent are closed.
 */
async function startJournal(parts: B2buaParts): Promise<CallJournal> {
  const { config, logger } = parts;
  const journal = new CallJournal({
    store: parts.journal,
    owner: { node: `${hostname()}:${config.sip.port}`, run: randomUUID() },
    heartbeatMs: config.b2bua.journalHeartbeat * 1000,
    staleAfterMs: config.b2bua.journalStaleAfter * 1000,
    onError: (err, context) => logger.warn({ err, context }, 'call journal write failed'),
    onRecovered: (cdrs) =>
      logger.warn(
        { cdrs: cdrs.map((cdr) => cdr.id) },
        `${cdrs.length} call(s) left open by a node that stopped without ending them: written as interrupted CDRs`,
      ),
  });
  try {
    await journal.recover();
  } catch (err) {
    // The records stay: the next start, or the stale sweep, writes their CDRs.
    logger.error({ err }, 'calls left open by the previous run could not be recovered now');
  }
  journal.start();
  return journal;
}
