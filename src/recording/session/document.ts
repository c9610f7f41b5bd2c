import { basename } from 'node:path';
import type { FileRecordingResult } from '../files/index.js';
import type { RecordingMetadata } from '../siprec/index.js';
import type { RecordingSummary } from '../types.js';
import type { FinishedSession } from './recording-session.js';

/**
 * The recording's JSON document: kept in the index and, with local files, as metadata.json beside
 * the audio. Participants, streams and codecs; start and stop; packet, loss and jitter counts;
 * the SIPREC metadata when there is some; and why it stopped or failed.
 */
export interface RecordingDocument extends RecordingSummary {
  reason?: string;
  /** rtpengine recordings: where the media came from. */
  mediaServer?: { address: string; toTag: string; fromTags: string[] };
  /** SIPREC recordings: the RFC 7865 metadata, partial updates merged. */
  siprec?: RecordingMetadata;
  files?: {
    mixed: string;
    mixedSampleRate: number;
    durationSeconds: number;
    legs: Array<{ leg: number; wav: string; pcap: string; sampleRate: number; durationSeconds: number }>;
  };
  statistics?: FinishedSession['statistics'];
  receivers?: FinishedSession['receivers'];
  stream?: FinishedSession['stream'];
  dtmf?: Array<{ leg: number; digit?: string; atMs: number; durationMs?: number }>;
  pauses?: FinishedSession['pauses'];
  pausedPackets?: number;
}

/** Fold a finished session into the document (file names relative to the recording's folder). */
export function finishDocument(doc: RecordingDocument, finished: FinishedSession): RecordingDocument {
  const out: RecordingDocument = {
    ...doc,
    status: finished.status,
    stoppedAt: finished.stoppedAt.toISOString(),
    reason: finished.reason,
    statistics: finished.statistics,
    receivers: finished.receivers,
    pauses: finished.pauses,
    pausedPackets: finished.pausedPackets,
  };
  if (finished.failure !== undefined) out.failure = finished.failure;
  if (finished.stream) out.stream = finished.stream;
  if (finished.files) Object.assign(out, filesDocument(finished.files));
  return out;
}

/** The files and DTMF parts of the document, from what FileRecording wrote (local or streamed). */
export function filesDocument(
  files: FileRecordingResult,
): Required<Pick<RecordingDocument, 'files' | 'dtmf'>> {
  return {
    files: {
      mixed: basename(files.mixedPath),
      mixedSampleRate: files.mixedSampleRate,
      durationSeconds: files.mixedDurationSeconds,
      legs: files.legs.map((l) => ({
        leg: l.leg,
        wav: basename(l.wavPath),
        pcap: basename(l.pcapPath),
        sampleRate: l.sampleRate,
        durationSeconds: l.durationSeconds,
      })),
    },
    dtmf: files.dtmf.map((e) => {
      const event: { leg: number; digit?: string; atMs: number; durationMs?: number } = {
        leg: e.leg,
        atMs: Math.round(e.atMs),
      };
      if (e.digit !== undefined) event.digit = e.digit;
      if (e.durationMs !== undefined) event.durationMs = e.durationMs;
      return event;
    }),
  };
}

export function summaryOf(doc: RecordingDocument): RecordingSummary {
  const summary: RecordingSummary = {
    id: doc.id,
    callId: doc.callId,
    source: doc.source,
    status: doc.status,
    startedAt: doc.startedAt,
    legs: doc.legs,
    stored: doc.stored,
  };
  if (doc.stoppedAt !== undefined) summary.stoppedAt = doc.stoppedAt;
  if (doc.failure !== undefined) summary.failure = doc.failure;
  if (doc.streamUrl !== undefined) summary.streamUrl = doc.streamUrl;
  return summary;
}
