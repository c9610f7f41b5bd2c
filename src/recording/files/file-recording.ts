import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AudioDecoder,
  createDecoder,
  dtmfDigit,
  isTelephoneEvent,
  parseTelephoneEvent,
} from '../../media/codec/index.js';
import { PcapWriter, type UdpEndpoints } from '../../media/pcap/index.js';
import { parseRtpPacket, RtpStreamStatistics } from '../../media/rtp/index.js';
import { WavWriter } from '../../media/wav/index.js';
import type { LegStatistics, PacketSink, PayloadFormat, RecordedPacket, RecordingLeg } from '../types.js';
import { LegTimeline, type LegTimelineOptions } from './leg-timeline.js';
import { LinearResampler } from './resample.js';
import { StereoMixer } from './stereo-mixer.js';

export interface FileRecordingOptions {
  /** Directory for the files; created if missing. */
  directory: string;
  recordingId: string;
  legs: RecordingLeg[];
  /** Recording start (ms since the epoch): time zero of every file. Default: the first packet's arrival. */
  startMs?: number;
  /** Addresses written into each leg's pcap (nothing is sent). Default: 192.0.2.x documentation addresses. */
  pcapEndpoints?: (leg: RecordingLeg) => UdpEndpoints;
  /** Reorder window and re-anchoring limits (defaults: 5 packets, 100 ms, 10 s jump, 1 s late). */
  timeline?: Partial<LegTimelineOptions>;
  /** How far one channel of mixed.wav may run ahead before the other is padded (default 1000 ms). */
  mixLagMs?: number;
  /** Packets held while WASM decoders load (beyond this they are counted as dropped). */
  maxPendingPackets?: number;
}

/** A DTMF (or other RFC 4733) event seen on a leg. */
export interface RecordedEvent {
  leg: number;
  event: number;
  /** '0'-'9', '*', '#', 'A'-'D'; undefined for non-DTMF events. */
  digit: string | undefined;
  /** Arrival of its first packet, ms after the recording start. */
  atMs: number;
  /** From the end packet's duration field, when one arrived. */
  durationMs?: number;
}

export interface LegRecordingResult extends LegStatistics {
  wavPath: string;
  pcapPath: string;
  sampleRate: number;
  durationSeconds: number;
  telephoneEvents: number;
  /** Audio packets dropped because they arrived after their place in the file was written. */
  late: number;
  /** Audio payloads the codec could not decode. */
  undecodable: number;
}

export interface FileRecordingResult {
  recordingId: string;
  directory: string;
  mixedPath: string;
  mixedSampleRate: number;
  mixedDurationSeconds: number;
  legs: LegRecordingResult[];
  dtmf: RecordedEvent[];
  startMs: number | undefined;
  /** Why the recording failed: disk errors, or the failure close() was given. */
  failure?: string;
  /** Packets dropped while decoders were loading and the holding queue was full. */
  droppedWhileLoading: number;
}

const DEFAULT_TIMELINE: LegTimelineOptions = {
  reorderPackets: 5,
  reorderMs: 100,
  maxJumpMs: 10_000,
  maxLateMs: 1000,
};

/** Per leg state. */
interface LegState {
  leg: RecordingLeg;
  /** PT → decoder (audio) or 'event' (RFC 4733), built once. */
  formats: Map<number, { format: PayloadFormat; decoder?: AudioDecoder; event: boolean }>;
  stats: RtpStreamStatistics;
  pcap?: PcapWriter;
  wavPath: string;
  /** The highest sample rate the leg's payload types offer (its share of mixed.wav's rate). */
  bestRate: number;
  wav?: WavWriter;
  timeline?: LegTimeline;
  packets: number;
  bytes: number;
  malformed: number;
  telephoneEvents: number;
  codecs: Set<string>;
  firstPacketMs?: number;
  lastPacketMs?: number;
  lastEventTimestamp: number;
  lastEvent?: RecordedEvent;
}

/**
 * Writes a recording to local files as packets arrive: per leg a decoded mono `leg-<i>.wav` and the
 * raw `leg-<i>.pcap`, and `mixed.wav` with leg 0 left and leg 1 right, every file on one timeline
 * starting at the recording start. Packet handling never throws and never waits: files are written
 * in the background and a disk failure marks the recording failed.
 *
 * Choices: a leg's WAV rate is its first codec's native rate (a later codec is resampled to it);
 * mixed.wav runs at the higher of the two legs' best negotiated rates; legs beyond the second are
 * only in their own files.
 */
export class FileRecording implements PacketSink {
  /** Resolves when the directory exists and the decoders are loaded (writes before are held). */
  readonly ready: Promise<void>;
  readonly mixedPath: string;
  readonly mixedSampleRate: number;

  private readonly legStates: LegState[] = [];
  private readonly legByIndex = new Map<number, LegState>();
  private readonly options: FileRecordingOptions;
  private readonly timelineOptions: LegTimelineOptions;
  private mixedWav?: WavWriter;
  private mixer?: StereoMixer;
  private startMs: number | undefined;
  private isReady = false;
  private held: RecordedPacket[] = [];
  private droppedWhileLoading = 0;
  private readonly dtmf: RecordedEvent[] = [];
  private failure: string | undefined;
  private finishing: Promise<FileRecordingResult> | undefined;
  private directoryReady: Promise<void>;

  constructor(options: FileRecordingOptions) {
    this.options = options;
    this.startMs = options.startMs;
    this.timelineOptions = { ...DEFAULT_TIMELINE, ...options.timeline };
    this.mixedPath = join(options.directory, 'mixed.wav');
    this.directoryReady = mkdir(options.directory, { recursive: true }).then(
      () => {},
      (err: unknown) => this.fail(`cannot create ${options.directory}: ${String(err)}`),
    );
    const decoders: Promise<void>[] = [];
    let mixRate = 0;
    for (const leg of options.legs) {
      const formats: LegState['formats'] = new Map();
      let legBestRate = 0;
      for (const [pt, format] of Object.entries(leg.payloadTypes)) {
        if (isTelephoneEvent(format)) {
          formats.set(Number(pt), { format, event: true });
          continue;
        }
        const decoder = createDecoder(format);
        if (decoder) {
          decoders.push(decoder.ready);
          legBestRate = Math.max(legBestRate, decoder.sampleRate);
        }
        formats.set(Number(pt), { format, decoder, event: false });
      }
      const state: LegState = {
        leg,
        formats,
        stats: new RtpStreamStatistics(),
        bestRate: legBestRate,
        wavPath: join(options.directory, `leg-${leg.index}.wav`),
        packets: 0,
        bytes: 0,
        malformed: 0,
        telephoneEvents: 0,
        codecs: new Set(),
        lastEventTimestamp: -1,
      };
      if (leg.index === 0 || leg.index === 1) mixRate = Math.max(mixRate, legBestRate);
      this.legStates.push(state);
      this.legByIndex.set(leg.index, state);
    }
    this.mixedSampleRate = mixRate || 8000;
    // Files are opened once the directory exists; BufferedFile queues meanwhile.
    this.ready = Promise.all([this.directoryReady, ...decoders]).then(
      () => this.becomeReady(),
      (err: unknown) => {
        this.fail(`decoder failed to load: ${String(err)}`);
        this.becomeReady();
      },
    );
  }

  /** Creates a recording and waits until it can take packets without holding them. */
  static async open(options: FileRecordingOptions): Promise<FileRecording> {
    const recording = new FileRecording(options);
    await recording.ready;
    return recording;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  private becomeReady(): void {
    if (this.isReady) return;
    const onError = (err: Error) => this.fail(err.message);
    for (const state of this.legStates) {
      const endpoints = this.options.pcapEndpoints?.(state.leg) ?? {
        srcAddress: `192.0.2.${(state.leg.index % 200) + 1}`,
        srcPort: 40000 + state.leg.index * 2,
        dstAddress: '192.0.2.254',
        dstPort: 50000 + state.leg.index * 2,
      };
      state.pcap = new PcapWriter(join(this.options.directory, `leg-${state.leg.index}.pcap`), endpoints, {
        onError,
      });
    }
    this.mixedWav = new WavWriter(this.mixedPath, this.mixedSampleRate, 2, { onError });
    this.mixer = new StereoMixer(
      this.mixedWav,
      Math.round(((this.options.mixLagMs ?? 1000) * this.mixedSampleRate) / 1000),
    );
    this.isReady = true;
    const held = this.held;
    this.held = [];
    for (const packet of held) this.process(packet);
  }

  /** Takes one packet; never throws. */
  write(packet: RecordedPacket): void {
    if (this.finishing) return;
    if (!this.isReady) {
      if (this.held.length < (this.options.maxPendingPackets ?? 2000)) this.held.push(packet);
      else this.droppedWhileLoading++;
      return;
    }
    this.process(packet);
  }

  private process(packet: RecordedPacket): void {
    try {
      this.handle(packet);
    } catch (err) {
      // A bug here must not take the packet path down; it fails this recording instead.
      this.fail(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private handle(packet: RecordedPacket): void {
    const state = this.legByIndex.get(packet.leg);
    if (!state) return;
    const arrivalMs = packet.arrivalMs;
    if (this.startMs === undefined) this.startMs = arrivalMs;
    state.packets++;
    state.bytes += packet.data.length;
    if (state.firstPacketMs === undefined) state.firstPacketMs = arrivalMs;
    state.lastPacketMs = arrivalMs;
    // The pcap keeps every packet as received, broken ones included.
    state.pcap!.write(packet.data, arrivalMs);

    const rtp = parseRtpPacket(packet.data);
    const entry = rtp ? state.formats.get(rtp.payloadType) : undefined;
    if (!rtp || !entry || (!entry.event && !entry.decoder)) {
      state.malformed++;
      return;
    }
    const clockRate = entry.event ? 0 : entry.format.clockRate;
    const verdict = state.stats.update(rtp.ssrc, rtp.sequenceNumber, rtp.timestamp, arrivalMs, clockRate);
    if (verdict === 'duplicate') return;
    state.codecs.add(entry.format.encoding.toUpperCase());
    if (entry.event) {
      this.handleEvent(state, rtp.timestamp, rtp.payload, arrivalMs, entry.format.clockRate);
      return;
    }
    const decoder = entry.decoder!;
    let timeline = state.timeline;
    if (!timeline) timeline = this.startLegAudio(state, decoder.sampleRate);
    timeline.add(rtp.ssrc, rtp.timestamp, arrivalMs, decoder, rtp.payload);
  }

  private startLegAudio(state: LegState, sampleRate: number): LegTimeline {
    const onError = (err: Error) => this.fail(err.message);
    const wav = new WavWriter(state.wavPath, sampleRate, 1, { onError });
    state.wav = wav;
    const index = state.leg.index;
    const channel: 0 | 1 | undefined = index === 0 ? 0 : index === 1 ? 1 : undefined;
    const mixer = this.mixer!;
    let resampler: LinearResampler | undefined;
    if (channel !== undefined) resampler = new LinearResampler(sampleRate, this.mixedSampleRate);
    const timeline = new LegTimeline(
      sampleRate,
      this.startMs!,
      {
        audio(samples) {
          wav.write(samples);
          if (resampler && channel !== undefined) mixer.push(channel, resampler.process(samples));
        },
        silence(samples) {
          wav.writeSilence(samples);
          if (resampler && channel !== undefined) {
            // Keep the resampler's phase: silence goes through it like audio, in bounded chunks.
            let left = samples;
            const zeros = SILENCE;
            while (left > 0) {
              const take = Math.min(left, zeros.length);
              mixer.push(channel, resampler.process(zeros.subarray(0, take)));
              left -= take;
            }
          }
        },
      },
      this.timelineOptions,
    );
    state.timeline = timeline;
    return timeline;
  }

  private handleEvent(
    state: LegState,
    timestamp: number,
    payload: Uint8Array,
    arrivalMs: number,
    clockRate: number,
  ): void {
    state.telephoneEvents++;
    const event = parseTelephoneEvent(payload);
    if (!event) return;
    // RFC 4733 §2.5.1: all packets of one event carry its start timestamp; the end is sent 3 times.
    if (timestamp !== state.lastEventTimestamp) {
      state.lastEventTimestamp = timestamp;
      state.lastEvent = {
        leg: state.leg.index,
        event: event.event,
        digit: dtmfDigit(event.event),
        atMs: arrivalMs - (this.startMs ?? arrivalMs),
      };
      this.dtmf.push(state.lastEvent);
    }
    if (event.end && state.lastEvent && clockRate > 0) {
      state.lastEvent.durationMs = (event.duration * 1000) / clockRate;
    }
  }

  private fail(reason: string): void {
    if (this.failure === undefined) this.failure = reason;
  }

  /** Statistics so far (RFC 3550 §A.3 loss, §A.8 jitter) per leg. */
  statistics(): LegStatistics[] {
    return this.legStates.map((s) => {
      const stats: LegStatistics = {
        leg: s.leg.index,
        packets: s.packets,
        bytes: s.bytes,
        lost: s.stats.lost,
        duplicates: s.stats.duplicates,
        malformed: s.malformed,
        jitterMs: s.stats.jitterMs,
        codecs: [...s.codecs],
      };
      if (s.firstPacketMs !== undefined) stats.firstPacketMs = s.firstPacketMs;
      if (s.lastPacketMs !== undefined) stats.lastPacketMs = s.lastPacketMs;
      return stats;
    });
  }

  /** PacketSink: finishes every file. Safe to call more than once. */
  async close(failure?: string): Promise<void> {
    await this.finish(failure);
  }

  /** Finishes every file and returns paths, durations and statistics; the same result on every call. */
  finish(failure?: string): Promise<FileRecordingResult> {
    if (!this.finishing) {
      if (failure !== undefined) this.fail(failure);
      this.finishing = this.doFinish();
    }
    return this.finishing;
  }

  private async doFinish(): Promise<FileRecordingResult> {
    await this.ready;
    const legResults: LegRecordingResult[] = [];
    const statistics = this.statistics();
    const mixer = this.mixer!;
    for (const state of this.legStates) {
      try {
        state.timeline?.flush();
      } catch (err) {
        this.fail(`internal error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    mixer.finish();
    const closing: Promise<void>[] = [this.mixedWav!.close()];
    for (const state of this.legStates) {
      // A leg that never carried audio still gets its (empty) file.
      if (!state.wav) {
        const rate = state.bestRate || 8000;
        state.wav = new WavWriter(state.wavPath, rate, 1, { onError: (err) => this.fail(err.message) });
      }
      closing.push(state.wav.close(), state.pcap!.close());
      for (const format of state.formats.values()) format.decoder?.close();
    }
    await Promise.all(closing);
    for (const [i, state] of this.legStates.entries()) {
      legResults.push({
        ...statistics[i]!,
        wavPath: state.wavPath,
        pcapPath: state.pcap!.path,
        sampleRate: state.wav!.sampleRate,
        durationSeconds: state.wav!.durationSeconds,
        telephoneEvents: state.telephoneEvents,
        late: state.timeline?.late ?? 0,
        undecodable: state.timeline?.undecodable ?? 0,
      });
    }
    const result: FileRecordingResult = {
      recordingId: this.options.recordingId,
      directory: this.options.directory,
      mixedPath: this.mixedPath,
      mixedSampleRate: this.mixedSampleRate,
      mixedDurationSeconds: this.mixedWav!.durationSeconds,
      legs: legResults,
      dtmf: this.dtmf,
      startMs: this.startMs,
      droppedWhileLoading: this.droppedWhileLoading,
    };
    if (this.failure !== undefined) result.failure = this.failure;
    return result;
  }
}

const SILENCE = new Int16Array(8000);
