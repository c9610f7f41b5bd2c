import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RecordingError,
  type RecordingFile,
  type RecordingFileKind,
  type RecordingListFilter,
  type RecordingPolicy,
  type RecordingService,
  type RecordingSummary,
  type StartRecordingRequest,
} from '../../../src/recording/types.js';

/**
 * An in-memory RecordingService with real files on disk for the audio routes. It keeps the
 * state machine the real one has (active ⇄ paused → stopped) so conflicts are exercised, and
 * can be told to fail the next call with any error.
 */
export class FakeRecordings implements RecordingService {
  readonly recordings = new Map<string, RecordingSummary>();
  readonly policies = new Map<string, RecordingPolicy>();
  readonly files = new Map<string, RecordingFile>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  /** Thrown by the next call, then cleared. */
  failNext?: Error;
  private next = 1;

  constructor(private readonly dir: string) {}

  private enter(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failNext;
    if (failure) {
      this.failNext = undefined;
      throw failure;
    }
  }

  private must(id: string): RecordingSummary {
    const recording = this.recordings.get(id);
    if (!recording) throw new RecordingError('not-found', `no recording ${id}`);
    return recording;
  }

  async start(request: StartRecordingRequest): Promise<RecordingSummary> {
    this.enter('start', request);
    for (const r of this.recordings.values()) {
      if (r.callId === request.callId && (r.status === 'active' || r.status === 'paused')) {
        throw new RecordingError('conflict', `call ${request.callId} is already being recorded`);
      }
    }
    const id = `rec-${this.next++}`;
    const summary: RecordingSummary = {
      id,
      callId: request.callId,
      source: 'media-server',
      status: 'active',
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, this.next)).toISOString(),
      legs: [
        {
          index: 0,
          label: 'caller',
          payloadTypes: { 0: { encoding: 'PCMU', clockRate: 8000, channels: 1 } },
        },
        {
          index: 1,
          label: 'callee',
          payloadTypes: { 8: { encoding: 'PCMA', clockRate: 8000, channels: 1 } },
        },
      ],
      stored: request.store !== false,
      ...(request.streamUrl ? { streamUrl: request.streamUrl } : {}),
    };
    this.recordings.set(id, summary);
    return summary;
  }

  private async transition(id: string, from: RecordingSummary['status'][], to: RecordingSummary['status']) {
    const recording = this.must(id);
    if (!from.includes(recording.status)) {
      throw new RecordingError('conflict', `recording ${id} is ${recording.status}`);
    }
    const next: RecordingSummary = { ...recording, status: to };
    if (to === 'stopped') next.stoppedAt = new Date(Date.UTC(2026, 0, 1, 1)).toISOString();
    this.recordings.set(id, next);
    return next;
  }

  async stop(id: string) {
    this.enter('stop', id);
    return this.transition(id, ['active', 'paused'], 'stopped');
  }

  async pause(id: string) {
    this.enter('pause', id);
    return this.transition(id, ['active'], 'paused');
  }

  async resume(id: string) {
    this.enter('resume', id);
    return this.transition(id, ['paused'], 'active');
  }

  async list(filter: RecordingListFilter = {}): Promise<RecordingSummary[]> {
    this.enter('list', filter);
    const all = [...this.recordings.values()]
      .filter((r) => !filter.status || r.status === filter.status)
      .filter((r) => !filter.callId || r.callId === filter.callId);
    const offset = filter.offset ?? 0;
    return all.slice(offset, offset + (filter.limit ?? 100));
  }

  async get(id: string) {
    this.enter('get', id);
    return this.recordings.get(id);
  }

  async metadata(id: string) {
    this.enter('metadata', id);
    const recording = this.recordings.get(id);
    if (!recording) return undefined;
    return {
      id,
      callId: recording.callId,
      streams: recording.legs.map((l) => ({ label: l.label })),
      nested: { a: 1 },
    };
  }

  async file(id: string, kind: RecordingFileKind, leg?: number) {
    this.enter('file', id, kind, leg);
    return this.files.get(`${id}/${kind}/${leg ?? ''}`);
  }

  /** Writes `content` as one of the recording's files. */
  async addFile(
    id: string,
    kind: RecordingFileKind,
    content: Buffer,
    leg?: number,
    contentType = '',
  ): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${id}-${kind}-${leg ?? 'mix'}`);
    await writeFile(path, content);
    this.files.set(`${id}/${kind}/${leg ?? ''}`, { path, contentType, bytes: content.length });
    return path;
  }

  async delete(id: string) {
    this.enter('delete', id);
    const recording = this.recordings.get(id);
    if (recording?.status === 'active') throw new RecordingError('conflict', `recording ${id} is active`);
    return this.recordings.delete(id);
  }

  async listPolicies() {
    this.enter('listPolicies');
    return [...this.policies.values()];
  }

  async putPolicy(policy: Omit<RecordingPolicy, 'createdAt'>) {
    this.enter('putPolicy', policy);
    const existing = this.policies.get(policy.subscriber);
    const stored: RecordingPolicy = {
      ...policy,
      createdAt: existing?.createdAt ?? '2026-01-01T00:00:00.000Z',
    };
    this.policies.set(policy.subscriber, stored);
    return stored;
  }

  async deletePolicy(subscriber: string) {
    this.enter('deletePolicy', subscriber);
    return this.policies.delete(subscriber);
  }
}
