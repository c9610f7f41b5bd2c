/** The JSON payloads of OPEN and CLOSE, and their validation on the consumer side. */
import type { LegStatistics, RecordingLeg } from '../types.js';
import { type Decoded, FrameError } from './frame.js';

/** What the consumer learns when a recording starts streaming. */
export interface StreamOpen {
  recordingId: string;
  callId: string;
  legs: RecordingLeg[];
  /** ISO 8601. */
  startedAt: string;
}

/** OPEN's payload: the recording, and on a resume the highest sequence the producer saw acknowledged. */
export interface OpenPayload extends StreamOpen {
  acked: number;
}

/** CLOSE's payload. */
export interface StreamClose {
  status: 'stopped' | 'failed';
  failure?: string;
  /** ISO 8601. */
  endedAt: string;
  /** Packets the producer streamed and packets it had to drop (then status is failed). */
  packets: number;
  dropped: number;
  legs?: LegStatistics[];
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parseObject(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function bad<T>(message: string): Decoded<T> {
  return { ok: false, error: new FrameError('bad-payload', message) };
}

function isLeg(value: unknown): value is RecordingLeg {
  if (typeof value !== 'object' || value === null) return false;
  const leg = value as Record<string, unknown>;
  if (!Number.isInteger(leg.index) || (leg.index as number) < 0 || typeof leg.label !== 'string')
    return false;
  if (typeof leg.payloadTypes !== 'object' || leg.payloadTypes === null) return false;
  return Object.values(leg.payloadTypes).every((format) => {
    const f = format as Record<string, unknown> | null;
    return (
      typeof f === 'object' &&
      f !== null &&
      typeof f.encoding === 'string' &&
      typeof f.clockRate === 'number' &&
      typeof f.channels === 'number'
    );
  });
}

export function decodeOpen(payload: Buffer, recordingId: string): Decoded<OpenPayload> {
  const o = parseObject(payload);
  if (!o) return bad('OPEN payload is not a JSON object');
  if (o.recordingId !== recordingId) return bad('OPEN recordingId differs from the frame header');
  if (typeof o.callId !== 'string') return bad('OPEN callId missing');
  if (typeof o.startedAt !== 'string') return bad('OPEN startedAt missing');
  if (!Array.isArray(o.legs) || !o.legs.every(isLeg)) return bad('OPEN legs malformed');
  const acked = o.acked ?? 0;
  if (!Number.isInteger(acked) || (acked as number) < 0) return bad('OPEN acked malformed');
  return {
    ok: true,
    value: { recordingId, callId: o.callId, legs: o.legs, startedAt: o.startedAt, acked: acked as number },
  };
}

export function decodeClose(payload: Buffer): Decoded<StreamClose> {
  const o = parseObject(payload);
  if (!o) return bad('CLOSE payload is not a JSON object');
  if (o.status !== 'stopped' && o.status !== 'failed') return bad('CLOSE status malformed');
  if (o.failure !== undefined && typeof o.failure !== 'string') return bad('CLOSE failure malformed');
  if (typeof o.endedAt !== 'string') return bad('CLOSE endedAt missing');
  if (typeof o.packets !== 'number' || typeof o.dropped !== 'number') return bad('CLOSE counts missing');
  if (o.legs !== undefined && !Array.isArray(o.legs)) return bad('CLOSE legs malformed');
  const close: StreamClose = { status: o.status, endedAt: o.endedAt, packets: o.packets, dropped: o.dropped };
  if (typeof o.failure === 'string') close.failure = o.failure;
  if (Array.isArray(o.legs)) close.legs = o.legs as LegStatistics[];
  return { ok: true, value: close };
}
