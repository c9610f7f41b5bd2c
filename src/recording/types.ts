/**
 * The shapes shared by the recording pipeline: the receivers (UDP, per leg) produce RecordedPackets,
 * a PacketSink consumes them (local files, a WebSocket stream, or both), and the RecordingService is
 * what the HTTP API, the CLI and the SIPREC server drive.
 */

import type { PayloadFormat } from '../media/codec/index.js';
import type { RecordedPacket } from '../media/udp/index.js';

// The packet and payload shapes belong to media (recording uses media, never the reverse).
export type { PayloadFormat, RecordedPacket };

/** One recorded stream: a leg of the call (a SIPREC stream, or an rtpengine-forked leg). */
export interface RecordingLeg {
  /** 0-based position; leg 0 is the left channel of the two-channel file, leg 1 the right. */
  index: number;
  /** The SDP a=label (SIPREC) or the rtpengine media label. */
  label: string;
  /** Who sends on this leg, when the metadata or the media server says so. */
  participant?: { aor?: string; name?: string };
  /** RTP payload type number → format. */
  payloadTypes: Record<number, PayloadFormat>;
}

/** What a sink learned about one leg, for the metadata JSON. */
export interface LegStatistics {
  leg: number;
  packets: number;
  bytes: number;
  /** Expected minus received, RFC 3550 §A.3 (never negative). */
  lost: number;
  duplicates: number;
  /** Packets dropped because their header was broken or their payload type unknown. */
  malformed: number;
  /** Interarrival jitter, RFC 3550 §A.8, in milliseconds. */
  jitterMs: number;
  /** Encodings seen on this leg. */
  codecs: string[];
  firstPacketMs?: number;
  lastPacketMs?: number;
}

export type RecordingStatus = 'active' | 'paused' | 'stopped' | 'failed';

/** Where a recording's packets go; a file writer and a WebSocket streamer both implement it. */
export interface PacketSink {
  write(packet: RecordedPacket): void;
  /** Flushes and finishes; `failure` set when the recording ends abnormally (kept in its metadata). */
  close(failure?: string): Promise<void>;
}

/** Where a recording came from. */
export type RecordingSource = 'media-server' | 'siprec';

/** A recording as the API and the CLI show it. */
export interface RecordingSummary {
  id: string;
  callId: string;
  source: RecordingSource;
  status: RecordingStatus;
  /** ISO 8601 times. */
  startedAt: string;
  stoppedAt?: string;
  /** Why a failed recording failed (also in its metadata and its recording.failed event). */
  failure?: string;
  legs: RecordingLeg[];
  /** Local files kept (false when the recording only streams). */
  stored: boolean;
  /** The WebSocket consumer the packets are streamed to, if any. */
  streamUrl?: string;
}

/** Ask a media server (rtpengine, over ng) to fork a call's media to the recorder. */
export interface StartRecordingRequest {
  callId: string;
  /** ng address of the rtpengine carrying the call, `host:port`; the configured default if absent. */
  mediaServer?: string;
  /** Only these legs (from-tags); every leg when absent. */
  fromTags?: string[];
  /** Keep local files (default true). */
  store?: boolean;
  /** Also (or only) stream the packets to this ws:// or wss:// consumer. */
  streamUrl?: string;
}

/** "Record every call of alice@example.com": applied by the call-handling roles. */
export interface RecordingPolicy {
  /** The subscriber's AoR, user@domain. */
  subscriber: string;
  store: boolean;
  streamUrl?: string;
  createdAt: string;
}

export interface RecordingListFilter {
  status?: RecordingStatus;
  callId?: string;
  limit?: number;
  offset?: number;
}

/** The audio files of a recording that can be downloaded. */
export type RecordingFileKind = 'mixed' | 'leg-wav' | 'leg-pcap' | 'metadata';

export interface RecordingFile {
  path: string;
  contentType: string;
  bytes: number;
}

/** The recording service; the HTTP API and the CLI are thin layers over it. */
export interface RecordingService {
  start(request: StartRecordingRequest): Promise<RecordingSummary>;
  stop(id: string): Promise<RecordingSummary>;
  pause(id: string): Promise<RecordingSummary>;
  resume(id: string): Promise<RecordingSummary>;
  list(filter?: RecordingListFilter): Promise<RecordingSummary[]>;
  get(id: string): Promise<RecordingSummary | undefined>;
  /** The metadata JSON document (participants, streams, codecs, times, statistics). */
  metadata(id: string): Promise<Record<string, unknown> | undefined>;
  file(id: string, kind: RecordingFileKind, leg?: number): Promise<RecordingFile | undefined>;
  /** Removes the index entry and the files; false when there was no such recording. */
  delete(id: string): Promise<boolean>;
  listPolicies(): Promise<RecordingPolicy[]>;
  putPolicy(policy: Omit<RecordingPolicy, 'createdAt'>): Promise<RecordingPolicy>;
  deletePolicy(subscriber: string): Promise<boolean>;
}

/** Errors the service throws; the API maps `code` to an HTTP status. */
export class RecordingError extends Error {
  constructor(
    readonly code: 'not-found' | 'conflict' | 'invalid' | 'media-server' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}
