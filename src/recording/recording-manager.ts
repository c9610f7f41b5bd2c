import { randomUUID } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { EventBus, RecordingEvent } from '../events/index.js';
import type { NgClient } from '../media/ng/index.js';
import type { MediaRelay, MediaSubscription } from '../media/relay/index.js';
import { LegReceiver, type RtpPortRange, RtpPortRangeExhaustedError } from '../media/udp/index.js';
import type { RecordingIndex, StoredRecording } from '../store/index.js';
import { FileRecording } from './files/index.js';
import { type MediaFork, MediaServerForks } from './media-server-forks.js';
import type { RecordingMetrics } from './metrics.js';
import { finishDocument, type RecordingDocument, summaryOf } from './session/document.js';
import { type NegotiatedMedia, negotiateRecording } from './session/negotiate.js';
import { type FinishedSession, RecordingSession } from './session/recording-session.js';
import { SdpNegotiationError } from './siprec/index.js';
import { RecordingStreamer } from './stream/index.js';
import {
  RecordingError,
  type RecordingFile,
  type RecordingFileKind,
  type RecordingListFilter,
  type RecordingPolicy,
  type RecordingService,
  type RecordingSource,
  type RecordingSummary,
  type StartRecordingRequest,
} from './types.js';

export interface RecordingManagerOptions {
  index: RecordingIndex;
  /** Folder of all recordings; one sub-folder per recording. */
  directory: string;
  /** Address the SDP announces (the receivers bind `ports.address`; they differ behind NAT). */
  address: string;
  ports: RtpPortRange;
  /** ng address used when a start request names none. */
  mediaServer: string;
  mediaTimeoutMs: number;
  /** Finished recordings older than this are deleted (0 keeps them). */
  retentionDays: number;
  stream: { batchPackets: number; batchIntervalMs: number; token?: string };
  events: EventBus;
  metrics: RecordingMetrics;
  logger: Logger;
  /** ng client per media server (tests give their own). */
  ngClient?: (address: string) => NgClient;
}

/** How a SIPREC session (or any caller with its own signalling) starts a recording. */
export interface SignalledRecordingRequest {
  callId: string;
  source: RecordingSource;
  offer: string;
  store: boolean;
  streamUrl?: string;
  /** Extra document fields (the SIPREC metadata). */
  document?: Partial<RecordingDocument>;
}

interface Active {
  session: RecordingSession;
  doc: RecordingDocument;
  /** Set for media-server recordings: how to unsubscribe. */
  fork?: MediaFork;
  /** Legs whose media timed out; all of them → the call ended under the recording. */
  silent: Set<number>;
  /** SIPREC hold: silence is expected, not an end. */
  onHold: boolean;
}

const HOUR = 3_600_000;
const FILE_NAMES: Record<RecordingFileKind, (leg: number) => [string, string]> = {
  mixed: () => ['mixed.wav', 'audio/wav'],
  'leg-wav': (leg) => [`leg-${leg}.wav`, 'audio/wav'],
  'leg-pcap': (leg) => [`leg-${leg}.pcap`, 'application/vnd.tcpdump.pcap'],
  metadata: () => ['metadata.json', 'application/json'],
};

/**
 * The recording service: starts recordings by asking a media server to fork a call's media
 * (rtpengine `subscribe request`/`subscribe answer`), or for a SIPREC client's session; keeps the
 * index; stops them on request, on BYE, when the media stops, and on shutdown; deletes them by
 * request or retention. A recording that goes wrong ends `failed` with the reason in its metadata
 * and in a recording.failed event, never silently short.
 */
export class RecordingManager implements RecordingService {
  private readonly active = new Map<string, Active>();
  private readonly forks: MediaServerForks;
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly options: RecordingManagerOptions) {
    this.forks = new MediaServerForks(options.ngClient);
    if (options.retentionDays > 0) {
      this.retentionTimer = setInterval(() => void this.applyRetention(), HOUR);
      this.retentionTimer.unref();
    }
  }

  async start(request: StartRecordingRequest): Promise<RecordingSummary> {
    const address = request.mediaServer ?? this.options.mediaServer;
    for (const a of this.active.values()) {
      if (a.fork && a.fork.callId === request.callId && a.fork.address === address) {
        throw new RecordingError(
          'conflict',
          `call ${request.callId} is already being recorded (${a.doc.id})`,
        );
      }
    }
    const { fork, reply } = await this.forks.subscribe(address, request.callId, request.fromTags);
    const recording = await this.begin(
      {
        callId: request.callId,
        source: 'media-server',
        offer: reply.sdp,
        store: request.store ?? true,
        ...(request.streamUrl !== undefined ? { streamUrl: request.streamUrl } : {}),
      },
      async (media, doc) => {
        // rtpengine says which party sends on which label (media-labels → from-tag).
        for (const leg of media.legs) {
          const tag = reply.mediaLabels?.[leg.label]?.tag;
          if (tag !== undefined) leg.participant = { name: tag };
        }
        doc.mediaServer = { address, toTag: fork.toTag, fromTags: reply.fromTags ?? [] };
        await this.forks.answer(fork, media.sdp);
      },
    ).catch(async (e: unknown) => {
      await this.forks.unsubscribe(fork).catch(() => {});
      throw e;
    });
    recording.fork = fork;
    return summaryOf(recording.doc);
  }

  /**
   * Records a call whose media the node's relay carries (a B2BUA call under a recording policy):
   * the relay forks every leg (MediaRelay.subscribe, SIPREC labels), the recorder answers its SDP
   * and receives the forked RTP. The recording ends with stop, or when the media stops.
   */
  async startFromRelay(
    relay: MediaRelay,
    request: { callId: string; store: boolean; streamUrl?: string },
  ): Promise<RecordingSummary> {
    const callId = request.callId;
    let subscription: MediaSubscription;
    try {
      subscription = await relay.subscribe({ callId, siprec: true });
    } catch (e) {
      throw new RecordingError(
        'media-server',
        `the ${relay.kind} media relay cannot fork call ${callId}: ${(e as Error).message}`,
      );
    }
    const fork: MediaFork = { address: `${relay.kind} relay`, callId, toTag: subscription.toTag, relay };
    const recording = await this.begin(
      {
        callId,
        source: 'media-server',
        offer: subscription.sdp,
        store: request.store,
        ...(request.streamUrl !== undefined ? { streamUrl: request.streamUrl } : {}),
      },
      async (media, doc) => {
        for (const leg of media.legs) {
          const tag = subscription.labels[leg.label]?.tag;
          if (tag !== undefined) leg.participant = { name: tag };
        }
        const fromTags = [...new Set(Object.values(subscription.labels).map((l) => l.tag))];
        doc.mediaServer = { address: fork.address, toTag: fork.toTag, fromTags };
        await relay.subscribeAnswer({ callId, toTag: fork.toTag, sdp: media.sdp });
      },
    ).catch(async (e: unknown) => {
      await relay.unsubscribe({ callId, toTag: fork.toTag }).catch(() => {});
      throw e;
    });
    recording.fork = fork;
    return summaryOf(recording.doc);
  }

  /**
   * A recording whose signalling the caller owns (the SIPREC server): negotiates the answer to
   * `offer` and starts receiving. Returns the recording id and the answer, which the caller sends
   * (its 200 OK).
   */
  async startSignalled(
    request: SignalledRecordingRequest,
  ): Promise<{ id: string; sdp: string; media: NegotiatedMedia }> {
    let negotiated: NegotiatedMedia | undefined;
    const recording = await this.begin(request, async (media, doc) => {
      Object.assign(doc, request.document);
      negotiated = media;
    });
    return { id: recording.doc.id, sdp: negotiated!.sdp, media: negotiated! };
  }

  /** Update a signalled recording's document (a SIPREC metadata update) or hold state. */
  update(id: string, change: { document?: Partial<RecordingDocument>; onHold?: boolean }): void {
    const a = this.active.get(id);
    if (!a) return;
    if (change.document) Object.assign(a.doc, change.document);
    if (change.onHold !== undefined) {
      a.onHold = change.onHold;
      if (!change.onHold) a.silent.clear();
    }
  }

  async stop(id: string, reason = 'api'): Promise<RecordingSummary> {
    const a = this.active.get(id);
    if (!a) {
      const stored = await this.options.index.getRecording(id);
      if (!stored) throw new RecordingError('not-found', `no recording ${id}`);
      throw new RecordingError('conflict', `recording ${id} has already ${stored.status}`);
    }
    return summaryOf(await this.end(a, reason));
  }

  async pause(id: string): Promise<RecordingSummary> {
    const a = await this.activeOrThrow(id);
    a.session.pause(new Date());
    a.doc.status = 'paused';
    await this.saveIndex(a.doc);
    return summaryOf(a.doc);
  }

  async resume(id: string): Promise<RecordingSummary> {
    const a = await this.activeOrThrow(id);
    a.session.resume(new Date());
    a.doc.status = 'active';
    await this.saveIndex(a.doc);
    return summaryOf(a.doc);
  }

  async list(filter: RecordingListFilter = {}): Promise<RecordingSummary[]> {
    const rows = await this.options.index.listRecordings(filter);
    return rows.map((row) => summaryOf(this.documentOf(row)));
  }

  async get(id: string): Promise<RecordingSummary | undefined> {
    const a = this.active.get(id);
    if (a) return summaryOf(a.doc);
    const row = await this.options.index.getRecording(id);
    return row ? summaryOf(this.documentOf(row)) : undefined;
  }

  async metadata(id: string): Promise<Record<string, unknown> | undefined> {
    const a = this.active.get(id);
    if (a) return { ...a.doc, receivers: a.session.receiverCounters() } as unknown as Record<string, unknown>;
    const row = await this.options.index.getRecording(id);
    return row ? (this.documentOf(row) as unknown as Record<string, unknown>) : undefined;
  }

  async file(id: string, kind: RecordingFileKind, leg = 0): Promise<RecordingFile | undefined> {
    const a = this.active.get(id);
    const row = a ? undefined : await this.options.index.getRecording(id);
    const doc = a?.doc ?? (row ? this.documentOf(row) : undefined);
    if (!doc?.stored || !doc.legs.some((l) => l.index === leg)) return undefined;
    const [name, contentType] = FILE_NAMES[kind](leg);
    const path = join(this.folder(doc.id), name);
    try {
      return { path, contentType, bytes: (await stat(path)).size };
    } catch {
      return undefined;
    }
  }

  async delete(id: string): Promise<boolean> {
    if (this.active.has(id))
      throw new RecordingError('conflict', `recording ${id} is in progress: stop it first`);
    const row = await this.options.index.getRecording(id);
    if (!row) return false;
    await rm(this.folder(id), { recursive: true, force: true });
    return this.options.index.removeRecording(id);
  }

  async listPolicies(): Promise<RecordingPolicy[]> {
    return (await this.options.index.listRecordingPolicies()).map(policyOf);
  }

  async putPolicy(policy: Omit<RecordingPolicy, 'createdAt'>): Promise<RecordingPolicy> {
    const stored = {
      subscriber: policy.subscriber.toLowerCase(),
      stored: policy.store,
      createdAt: new Date(),
    };
    await this.options.index.saveRecordingPolicy(
      policy.streamUrl !== undefined ? { ...stored, streamUrl: policy.streamUrl } : stored,
    );
    const saved = await this.options.index.getRecordingPolicy(stored.subscriber);
    return policyOf(saved!);
  }

  async deletePolicy(subscriber: string): Promise<boolean> {
    return this.options.index.removeRecordingPolicy(subscriber.toLowerCase());
  }

  /** The policy that applies to a subscriber's calls, for the call-handling roles. */
  async policyFor(subscriber: string): Promise<RecordingPolicy | undefined> {
    const p = await this.options.index.getRecordingPolicy(subscriber.toLowerCase());
    return p ? policyOf(p) : undefined;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Deletes finished recordings older than the retention; returns how many. */
  async applyRetention(now = new Date()): Promise<number> {
    if (this.options.retentionDays <= 0) return 0;
    const before = new Date(now.getTime() - this.options.retentionDays * 24 * HOUR);
    let removed = 0;
    for (;;) {
      const old = await this.options.index.listRecordings({ startedBefore: before, limit: 500 });
      const finished = old.filter((r) => !this.active.has(r.id));
      for (const r of finished) if (await this.delete(r.id)) removed++;
      if (finished.length === 0 || old.length < 500) break;
    }
    if (removed > 0) this.options.logger.info({ removed }, 'recordings past retention deleted');
    return removed;
  }

  /** Stops every recording (reason `shutdown`, files completed) and closes the ng clients. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await Promise.all([...this.active.values()].map((a) => this.end(a, 'shutdown')));
    await this.forks.close();
  }

  private async begin(
    request: SignalledRecordingRequest,
    negotiate: (media: NegotiatedMedia, doc: RecordingDocument) => Promise<void>,
  ): Promise<Active> {
    if (this.closing) throw new RecordingError('unavailable', 'the recording service is stopping');
    if (!request.store && request.streamUrl === undefined) {
      throw new RecordingError('invalid', 'a recording must be stored, streamed, or both');
    }
    let media: NegotiatedMedia;
    try {
      media = await negotiateRecording(request.offer, this.options.ports, this.options.address);
    } catch (e) {
      if (e instanceof SdpNegotiationError) throw new RecordingError('invalid', e.message);
      if (e instanceof RtpPortRangeExhaustedError) throw new RecordingError('unavailable', e.message);
      throw e;
    }
    const id = randomUUID();
    const startedAt = new Date();
    const doc: RecordingDocument = {
      id,
      callId: request.callId,
      source: request.source,
      status: 'active',
      startedAt: startedAt.toISOString(),
      stored: request.store,
      legs: media.legs,
    };
    if (request.streamUrl !== undefined) doc.streamUrl = request.streamUrl;
    let active: Active;
    try {
      await negotiate(media, doc);
      active = await this.open(doc, media, startedAt);
    } catch (e) {
      for (const a of media.allocations) void a.release();
      throw e;
    }
    this.active.set(id, active);
    this.options.metrics.started(request.source);
    await this.saveIndex(doc).catch((e: unknown) =>
      this.options.logger.error({ err: e, id }, 'recording index write failed'),
    );
    this.publish('recording.started', doc);
    return active;
  }

  /** Sinks, session and receivers of a negotiated recording. */
  private async open(doc: RecordingDocument, media: NegotiatedMedia, startedAt: Date): Promise<Active> {
    const files = doc.stored
      ? await FileRecording.open({
          directory: this.folder(doc.id),
          recordingId: doc.id,
          legs: doc.legs,
          startMs: startedAt.getTime(),
        })
      : undefined;
    let session: RecordingSession | undefined;
    const stream =
      doc.streamUrl !== undefined
        ? {
            url: doc.streamUrl,
            streamer: new RecordingStreamer({
              url: doc.streamUrl,
              recordingId: doc.id,
              callId: doc.callId,
              legs: doc.legs,
              startedAt: doc.startedAt,
              batchPackets: this.options.stream.batchPackets,
              batchIntervalMs: this.options.stream.batchIntervalMs,
              ...(this.options.stream.token ? { token: this.options.stream.token } : {}),
              onFailure: (reason) => session?.streamFailed(`stream to ${doc.streamUrl}: ${reason}`),
            }),
          }
        : undefined;
    session = new RecordingSession({
      ...(files ? { files } : {}),
      ...(stream ? { stream } : {}),
      onPacket: this.options.metrics.packet,
    });
    const active: Active = { session, doc, silent: new Set(), onHold: false };
    const write = session.write;
    session.attach(
      media.allocations.map(
        (allocation, leg) =>
          new LegReceiver(allocation, {
            leg,
            onPacket: write,
            mediaTimeoutMs: this.options.mediaTimeoutMs,
            firstPacketTimeoutMs: Math.max(this.options.mediaTimeoutMs, 60_000),
            onMediaTimeout: (event) => this.onSilence(active, event.leg, event.beforeFirstPacket),
          }),
      ),
    );
    return active;
  }

  private onSilence(a: Active, leg: number, beforeFirstPacket: boolean): void {
    if (a.onHold || a.session.finished) return;
    a.silent.add(leg);
    if (a.silent.size < a.doc.legs.length) return;
    // Every leg silent: the call ended under the recording (or never sent media to it).
    const noMedia = beforeFirstPacket && a.session.receiverCounters().every((c) => c.received === 0);
    void this.end(a, 'media-timeout', noMedia ? 'no media received' : undefined);
  }

  private async end(a: Active, reason: string, failure?: string): Promise<RecordingDocument> {
    if (a.fork && !a.session.finished) {
      await this.forks.unsubscribe(a.fork).catch((e: unknown) => {
        // The call may be gone already (media timeout): the fork ended with it.
        this.options.logger.debug({ err: e, id: a.doc.id }, 'unsubscribe failed');
      });
    }
    const began = performance.now();
    const finished = await a.session.finish(reason, failure).catch((e: unknown) => {
      // A finish that throws must still end the recording, failed and said so, never stay active.
      this.options.logger.error({ err: e, id: a.doc.id }, 'recording finalisation failed');
      this.options.metrics.finaliseFailed();
      return unfinished(reason, `finalisation failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!this.active.has(a.doc.id)) return a.doc;
    this.active.delete(a.doc.id);
    a.doc = finishDocument(a.doc, finished);
    this.options.metrics.finished(a.doc, (performance.now() - began) / 1000);
    if (a.doc.status === 'failed')
      this.options.logger.warn({ id: a.doc.id, reason, failure: a.doc.failure }, 'recording failed');
    if (a.doc.stored) {
      await writeFile(
        join(this.folder(a.doc.id), 'metadata.json'),
        `${JSON.stringify(a.doc, null, 2)}\n`,
      ).catch((e: unknown) =>
        this.options.logger.error({ err: e, id: a.doc.id }, 'metadata.json write failed'),
      );
    }
    await this.saveIndex(a.doc).catch((e: unknown) =>
      this.options.logger.error({ err: e, id: a.doc.id }, 'recording index write failed'),
    );
    this.publish(a.doc.status === 'failed' ? 'recording.failed' : 'recording.stopped', a.doc);
    return a.doc;
  }

  private async activeOrThrow(id: string): Promise<Active> {
    const a = this.active.get(id);
    if (a) return a;
    const stored = await this.options.index.getRecording(id);
    if (!stored) throw new RecordingError('not-found', `no recording ${id}`);
    throw new RecordingError('conflict', `recording ${id} has ${stored.status}`);
  }

  private folder(id: string): string {
    const root = resolve(this.options.directory);
    const path = resolve(root, id);
    // Ids are UUIDs made here, but a folder outside the root must never be written or removed.
    if (!path.startsWith(root + sep)) throw new RecordingError('invalid', `bad recording id ${id}`);
    return path;
  }

  private documentOf(row: StoredRecording): RecordingDocument {
    return JSON.parse(row.document) as RecordingDocument;
  }

  private async saveIndex(doc: RecordingDocument): Promise<void> {
    const row: StoredRecording = {
      id: doc.id,
      callId: doc.callId,
      source: doc.source,
      status: doc.status,
      startedAt: new Date(doc.startedAt),
      stored: doc.stored,
      document: JSON.stringify(doc),
    };
    if (doc.stoppedAt !== undefined) row.stoppedAt = new Date(doc.stoppedAt);
    if (doc.failure !== undefined) row.failure = doc.failure;
    if (doc.streamUrl !== undefined) row.streamUrl = doc.streamUrl;
    if (doc.stored) row.directory = this.folder(doc.id);
    await this.options.index.saveRecording(row);
  }

  private publish(type: RecordingEvent['type'], doc: RecordingDocument): void {
    const event: RecordingEvent = {
      type,
      recordingId: doc.id,
      callId: doc.callId,
      source: doc.source,
      at: Date.now(),
    };
    if (doc.reason !== undefined) event.reason = doc.reason;
    if (doc.failure !== undefined) event.failure = doc.failure;
    this.options.events.publish(event);
  }
}

/** What is known of a recording whose finish threw: only that it failed. */
function unfinished(reason: string, failure: string): FinishedSession {
  return {
    status: 'failed',
    stoppedAt: new Date(),
    reason,
    failure,
    statistics: [],
    receivers: [],
    pausedPackets: 0,
    pauses: [],
  };
}

function policyOf(p: {
  subscriber: string;
  stored: boolean;
  streamUrl?: string;
  createdAt: Date;
}): RecordingPolicy {
  const policy: RecordingPolicy = {
    subscriber: p.subscriber,
    store: p.stored,
    createdAt: p.createdAt.toISOString(),
  };
  if (p.streamUrl !== undefined) policy.streamUrl = p.streamUrl;
  return policy;
}
