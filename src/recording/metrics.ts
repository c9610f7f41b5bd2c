import type { MetricsRegistry } from '../metrics/index.js';
import type { RecordingDocument } from './session/document.js';
import type { RecordingSource } from './types.js';

/** The recording service's Prometheus metrics. */
export interface RecordingMetrics {
  started(source: RecordingSource): void;
  /** One packet handed to the sinks (hot path). */
  readonly packet: () => void;
  /** A recording ended; `seconds` its finish took (receivers, files, stream closed). */
  finished(doc: RecordingDocument, seconds: number): void;
  /** Finishing a recording threw: it ended failed with what was known. */
  finaliseFailed(): void;
}

export function recordingMetrics(metrics: MetricsRegistry): RecordingMetrics {
  const active = metrics.gauge({ name: 'recordings_active', help: 'Recordings in progress' });
  const started = metrics.counter({
    name: 'recordings_started_total',
    help: 'Recordings started, by source',
    labelNames: ['source'],
  });
  const ended = metrics.counter({
    name: 'recordings_ended_total',
    help: 'Recordings ended, by status (stopped, failed)',
    labelNames: ['status'],
  });
  const finalise = metrics.histogram({
    name: 'recording_finalise_duration_seconds',
    help: 'Time to finish a recording once it ends (receivers, files and stream closed), in seconds',
    buckets: [0.005, 0.025, 0.1, 0.25, 1, 4, 16],
  });
  const finaliseErrors = metrics.counter({
    name: 'recording_finalise_errors_total',
    help: 'Recordings whose finish threw (they end failed)',
  });
  const packets = metrics.counter({ name: 'recording_packets_total', help: 'RTP packets recorded' });
  const lost = metrics.counter({
    name: 'recording_packets_lost_total',
    help: 'RTP packets lost before the recorder (RFC 3550 §A.3)',
  });
  const dropped = metrics.counter({
    name: 'recording_packets_dropped_total',
    help: 'Datagrams the recorder dropped, by reason (source: not the latched sender; malformed: not RTP)',
    labelNames: ['reason'],
  });
  // Counted in a plain number on the hot path and added to the counter every second.
  let pending = 0;
  const flush = setInterval(() => {
    if (pending > 0) packets.inc(pending);
    pending = 0;
  }, 1000);
  flush.unref();
  return {
    started(source) {
      active.inc();
      started.inc({ source });
    },
    packet: () => {
      pending++;
    },
    finished(doc, seconds) {
      active.dec();
      ended.inc({ status: doc.status });
      finalise.observe(seconds);
      for (const s of doc.statistics ?? []) if (s.lost > 0) lost.inc(s.lost);
      for (const r of doc.receivers ?? []) {
        if (r.droppedSource > 0) dropped.inc({ reason: 'source' }, r.droppedSource);
        if (r.droppedMalformed > 0) dropped.inc({ reason: 'malformed' }, r.droppedMalformed);
      }
    },
    finaliseFailed: () => finaliseErrors.inc(),
  };
}
