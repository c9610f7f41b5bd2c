import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { FileRecording, type FileRecordingResult } from '../../recording/files/index.js';
import { filesDocument } from '../../recording/index.js';
import type { StreamClose, StreamOpen } from '../../recording/stream/index.js';
import type { PacketSink, RecordedPacket } from '../../recording/types.js';

/** The recording ids the API hands out, and the only ones that become folder names here. */
const SAFE_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

interface Entry {
  open: StreamOpen;
  files: FileRecording;
  directory: string;
  received: number;
}

/**
 * The sink side of `switchboard recording-sink`: each streamed recording is written by the same
 * FileRecording a local recording uses, into `<dir>/<recording-id>/`, and gets a metadata.json when
 * it closes. FileRecording's constructor is synchronous and holds packets until its directory and
 * decoders are ready, which is what the server's synchronous `createSink` needs (`open` would wait).
 */
export class SinkRecordings {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<Promise<void>>();
  private readonly root: string;

  constructor(
    directory: string,
    private readonly logger: Logger,
  ) {
    this.root = resolve(directory);
  }

  /** RecordingSinkServer's createSink: throws (the stream is refused with 1011) for an unusable id. */
  createSink(open: StreamOpen): PacketSink {
    const id = open.recordingId;
    const directory = resolve(this.root, id);
    // The id comes from the producer: it must name a folder inside the root and nothing else.
    if (!SAFE_ID.test(id) || id === '.' || id === '..' || !directory.startsWith(this.root + sep)) {
      this.logger.warn(
        { event: 'recording.refused', recordingId: id },
        'recording id unusable as a folder name',
      );
      throw new Error(`recording id ${JSON.stringify(id)} is not usable as a folder name`);
    }
    // A folder left by an earlier run (the sink keeps no state across restarts) is never overwritten.
    if (existsSync(directory)) {
      this.logger.warn({ event: 'recording.refused', recordingId: id, directory }, 'recording folder exists');
      throw new Error(`${directory} already exists`);
    }
    const startMs = Date.parse(open.startedAt);
    const files = new FileRecording({
      directory,
      recordingId: id,
      legs: open.legs,
      ...(Number.isFinite(startMs) ? { startMs } : {}),
    });
    const entry: Entry = { open, files, directory, received: 0 };
    this.entries.set(id, entry);
    this.logger.info(
      { event: 'recording.opened', recordingId: id, callId: open.callId, legs: open.legs.length, directory },
      'recording opened',
    );
    return {
      write: (packet: RecordedPacket) => {
        entry.received++;
        files.write(packet);
      },
      close: (failure?: string) => files.close(failure),
    };
  }

  /** RecordingSinkServer's onRecordingClosed: writes metadata.json (in the background) and logs. */
  closed(recordingId: string, close: StreamClose | undefined, failure: string | undefined): void {
    const entry = this.entries.get(recordingId);
    if (!entry) return;
    this.entries.delete(recordingId);
    const done = entry.files
      .finish()
      .then((result) => this.finish(entry, result, close, failure))
      .catch((e: unknown) => this.logger.error({ err: e, recordingId }, 'recording could not be finished'))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Waits for the metadata of every recording closed so far. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async finish(
    entry: Entry,
    result: FileRecordingResult,
    close: StreamClose | undefined,
    failure: string | undefined,
  ): Promise<void> {
    const reason = failure ?? result.failure;
    const document = metadataDocument(entry, result, close, reason);
    let metadataError: string | undefined;
    await writeFile(join(entry.directory, 'metadata.json'), `${JSON.stringify(document, null, 2)}\n`).catch(
      (e: unknown) => {
        metadataError = (e as Error).message;
      },
    );
    const line = {
      event: 'recording.closed',
      recordingId: entry.open.recordingId,
      callId: entry.open.callId,
      status: document.status,
      packets: entry.received,
      durationSeconds: result.mixedDurationSeconds,
      directory: entry.directory,
      ...(reason ? { failure: reason } : {}),
      ...(metadataError ? { metadataError } : {}),
    };
    if (document.status === 'failed' || metadataError) this.logger.warn(line, 'recording closed');
    else this.logger.info(line, 'recording closed');
  }
}

/**
 * metadata.json of a streamed recording, in the shape the node writes for a local one (id, call,
 * legs, times, files with durations, statistics, DTMF) plus what the stream said at its end.
 */
function metadataDocument(
  entry: Entry,
  result: FileRecordingResult,
  close: StreamClose | undefined,
  failure: string | undefined,
) {
  return {
    id: entry.open.recordingId,
    callId: entry.open.callId,
    status: failure === undefined ? ('stopped' as const) : ('failed' as const),
    startedAt: entry.open.startedAt,
    stoppedAt: close?.endedAt ?? new Date().toISOString(),
    ...(failure !== undefined ? { failure } : {}),
    stored: true,
    legs: entry.open.legs,
    ...filesDocument(result),
    statistics: result.legs.map(
      ({ wavPath: _w, pcapPath: _p, sampleRate: _s, durationSeconds: _d, ...stats }) => stats,
    ),
    stream: {
      /** What the producer said in CLOSE; absent when the stream ended without one. */
      ...(close
        ? { producerPackets: close.packets, producerDropped: close.dropped, producerStatus: close.status }
        : { closedWithoutClose: true }),
      receivedPackets: entry.received,
      ...(close?.legs ? { producerStatistics: close.legs } : {}),
    },
  };
}
