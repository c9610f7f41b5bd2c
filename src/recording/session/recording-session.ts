import type { LegReceiver, LegReceiverCounters } from '../../media/udp/index.js';
import type { FileRecording, FileRecordingResult } from '../files/index.js';
import type { RecordingStreamer, StreamerCounters } from '../stream/index.js';
import type { LegStatistics, RecordedPacket } from '../types.js';

export interface RecordingSessionOptions {
  files?: FileRecording;
  stream?: { streamer: RecordingStreamer; url: string };
  /** Counts every packet recorded (metrics). */
  onPacket?: () => void;
}

/** What a finished session hands to the index and the metadata document. */
export interface FinishedSession {
  status: 'stopped' | 'failed';
  stoppedAt: Date;
  reason: string;
  failure?: string;
  files?: FileRecordingResult;
  statistics: LegStatistics[];
  receivers: Array<LegReceiverCounters & { leg: number }>;
  stream?: StreamerCounters & { url: string; state: string };
  /** Packets that arrived while paused (not recorded, on purpose). */
  pausedPackets: number;
  pauses: Array<{ at: string; resumedAt?: string }>;
}

/**
 * One recording in progress: the receivers of its legs feed packets to its sinks (local files, a
 * WebSocket stream, or both) unless it is paused. It ends once, by `finish`, which closes the
 * receivers first so no packet reaches a closed sink.
 */
export class RecordingSession {
  private receivers: LegReceiver[] = [];
  private paused = false;
  private pausedPackets = 0;
  private readonly pauses: Array<{ at: string; resumedAt?: string }> = [];
  private streamFailure: string | undefined;
  private finishing: Promise<FinishedSession> | undefined;

  constructor(private readonly options: RecordingSessionOptions) {}

  get finished(): boolean {
    return this.finishing !== undefined;
  }

  /** The receivers whose packets this session records (closed when it finishes). */
  attach(receivers: LegReceiver[]): void {
    this.receivers = receivers;
  }

  /** Where receivers deliver; the hot path: no allocation, no await. */
  readonly write = (packet: RecordedPacket): void => {
    if (this.paused || this.finishing) {
      if (this.paused) this.pausedPackets++;
      return;
    }
    this.options.files?.write(packet);
    this.options.stream?.streamer.write(packet);
    this.options.onPacket?.();
  };

  pause(now: Date): void {
    if (this.paused) return;
    this.paused = true;
    this.pauses.push({ at: now.toISOString() });
  }

  resume(now: Date): void {
    if (!this.paused) return;
    this.paused = false;
    const last = this.pauses.at(-1);
    if (last) last.resumedAt = now.toISOString();
  }

  /** The stream gave up (consumer gone, buffer full): the recording is truncated and says so. */
  streamFailed(reason: string): void {
    this.streamFailure ??= reason;
  }

  /** Live statistics (from the files' decoder when kept, else the receivers' counts). */
  receiverCounters(): Array<LegReceiverCounters & { leg: number }> {
    return this.receivers.map((r) => ({ leg: r.leg, ...r.counters }));
  }

  finish(reason: string, failure?: string): Promise<FinishedSession> {
    this.finishing ??= this.doFinish(reason, failure);
    return this.finishing;
  }

  private async doFinish(reason: string, failure: string | undefined): Promise<FinishedSession> {
    const receivers = this.receiverCounters();
    // Each step settles on its own: a receiver that fails to release its ports must not keep the
    // files from being completed, nor a failing file the stream from being closed.
    const closed = await Promise.allSettled(this.receivers.map(async (r) => r.close()));
    if (this.paused) this.resume(new Date());
    const [filesOutcome, streamOutcome] = await Promise.allSettled([
      this.options.files?.finish(failure),
      this.options.stream?.streamer.close(failure),
    ]);
    const files = filesOutcome.status === 'fulfilled' ? filesOutcome.value : undefined;
    const problems = [
      failure,
      ...closed.map((c, i) => rejection(c, `leg ${this.receivers[i]!.leg} receiver close failed`)),
      rejection(filesOutcome, 'files not completed'),
      files?.failure,
      rejection(streamOutcome, 'stream close failed'),
      this.streamFailure,
    ].filter((p): p is string => p !== undefined);
    const finished: FinishedSession = {
      status: problems.length > 0 ? 'failed' : 'stopped',
      stoppedAt: new Date(),
      reason,
      statistics: files ? files.legs.map(statisticsOf) : receivers.map(countsOf),
      receivers,
      pausedPackets: this.pausedPackets,
      pauses: this.pauses,
    };
    if (problems.length > 0) finished.failure = [...new Set(problems)].join('; ');
    if (files) finished.files = files;
    const stream = this.options.stream;
    if (stream)
      finished.stream = { ...stream.streamer.counters, url: stream.url, state: stream.streamer.state };
    return finished;
  }
}

/** What a rejected step says in the recording's failure, or nothing for a fulfilled one. */
function rejection(outcome: PromiseSettledResult<unknown>, what: string): string | undefined {
  if (outcome.status === 'fulfilled') return undefined;
  const reason = outcome.reason;
  return `${what}: ${reason instanceof Error ? reason.message : String(reason)}`;
}

function statisticsOf(leg: LegStatistics): LegStatistics {
  const { leg: index, packets, bytes, lost, duplicates, malformed, jitterMs, codecs } = leg;
  const stats: LegStatistics = { leg: index, packets, bytes, lost, duplicates, malformed, jitterMs, codecs };
  if (leg.firstPacketMs !== undefined) stats.firstPacketMs = leg.firstPacketMs;
  if (leg.lastPacketMs !== undefined) stats.lastPacketMs = leg.lastPacketMs;
  return stats;
}

/** A streamed-only recording has no decoder: the receivers' counts are what is known. */
function countsOf(counters: LegReceiverCounters & { leg: number }): LegStatistics {
  return {
    leg: counters.leg,
    packets: counters.received,
    bytes: counters.bytes,
    lost: 0,
    duplicates: 0,
    malformed: counters.droppedMalformed,
    jitterMs: 0,
    codecs: [],
  };
}
