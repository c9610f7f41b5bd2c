/**
 * Reassembles fragmented messages of one connection. Bounded: a message may have at most
 * `maxFragments` fragments, all incomplete messages together at most `maxPendingBytes`, and at most
 * `maxPendingMessages` may be incomplete at once. Inconsistent fragments (a different count or flags
 * for the same message, a repeated index) are errors: the connection is then closed, and the producer
 * resends the whole message on its next connection, so nothing half-built ever survives a connection.
 */
import { type Decoded, type Frame, FrameError, type FrameType } from './frame.js';

export interface AssemblerLimits {
  maxFragments: number;
  maxPendingBytes: number;
  maxPendingMessages: number;
}

export const DEFAULT_ASSEMBLER_LIMITS: AssemblerLimits = {
  maxFragments: 64,
  maxPendingBytes: 4 * 1024 * 1024,
  maxPendingMessages: 4,
};

/** A message whose fragments have all arrived. */
export interface AssembledMessage {
  type: FrameType;
  flags: number;
  recordingId: string;
  seq: number;
  payload: Buffer;
}

interface Pending {
  flags: number;
  recordingId: string;
  parts: (Buffer | undefined)[];
  received: number;
  bytes: number;
}

export class FragmentAssembler {
  private readonly pending = new Map<string, Pending>();
  private pendingBytes = 0;

  constructor(private readonly limits: AssemblerLimits = DEFAULT_ASSEMBLER_LIMITS) {}

  /** Bytes held for incomplete messages. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Adds a fragment; returns the whole message once complete, undefined while incomplete. */
  push(frame: Frame): Decoded<AssembledMessage | undefined> {
    const { type, seq, fragmentIndex: index, fragmentCount: count } = frame;
    if (count > this.limits.maxFragments) {
      return this.fail(`message of ${count} fragments exceeds the limit of ${this.limits.maxFragments}`);
    }
    if (count === 1) {
      return {
        ok: true,
        value: { type, flags: frame.flags, recordingId: frame.recordingId, seq, payload: frame.payload },
      };
    }
    const key = `${type}:${seq}`;
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.limits.maxPendingMessages) {
        return this.fail(`more than ${this.limits.maxPendingMessages} incomplete messages`);
      }
      entry = {
        flags: frame.flags,
        recordingId: frame.recordingId,
        parts: new Array(count),
        received: 0,
        bytes: 0,
      };
      this.pending.set(key, entry);
    }
    if (
      entry.parts.length !== count ||
      entry.flags !== frame.flags ||
      entry.recordingId !== frame.recordingId
    ) {
      return this.fail(`fragment ${index}/${count} of ${key} disagrees with earlier fragments`);
    }
    if (entry.parts[index] !== undefined) return this.fail(`fragment ${index} of ${key} repeated`);
    if (this.pendingBytes + frame.payload.length > this.limits.maxPendingBytes) {
      return this.fail(`incomplete messages exceed ${this.limits.maxPendingBytes} bytes`);
    }
    // Copy: the frame's buffer belongs to the socket layer.
    entry.parts[index] = Buffer.from(frame.payload);
    entry.received++;
    entry.bytes += frame.payload.length;
    this.pendingBytes += frame.payload.length;
    if (entry.received < count) return { ok: true, value: undefined };
    this.pending.delete(key);
    this.pendingBytes -= entry.bytes;
    const payload = Buffer.concat(entry.parts as Buffer[], entry.bytes);
    return { ok: true, value: { type, flags: entry.flags, recordingId: entry.recordingId, seq, payload } };
  }

  /** Forgets everything (the connection is gone). */
  clear(): void {
    this.pending.clear();
    this.pendingBytes = 0;
  }

  private fail(message: string): Decoded<never> {
    return { ok: false, error: new FrameError('bad-fragment', message) };
  }
}
