/**
 * The recording-stream frame: one binary WebSocket message, always sent as a single WebSocket frame
 * (FIN set, no continuation frames, no permessage-deflate), so "frame size" is the message size plus
 * the RFC 6455 §5.2 framing header. Layout (big-endian), see docs/recording-stream.md:
 *
 *   0  u16  magic 0x5342 ("SB")
 *   2  u8   version (1)
 *   3  u8   type: 1 OPEN, 2 BATCH, 3 CLOSE, 4 ACK
 *   4  u8   flags: bit 0 RESUME (OPEN only)
 *   5  u8   L = recording id length in UTF-8 bytes (1..128)
 *   6  L    recording id
 *   6+L  u32 sequence number (OPEN 0, BATCH and CLOSE from 1, ACK = highest contiguous received)
 *   10+L u16 fragment index (0-based)
 *   12+L u16 fragment count (1..65535)
 *   14+L     fragment payload
 */

export const FRAME_MAGIC = 0x5342;
export const FRAME_VERSION = 1;
/** The consumer's hard limit on one WebSocket frame, framing header included. */
export const MAX_FRAME_BYTES = 32_768;
export const MAX_RECORDING_ID_BYTES = 128;
export const MAX_FRAGMENTS = 0xffff;
export const FLAG_RESUME = 0x01;

export const FrameType = { OPEN: 1, BATCH: 2, CLOSE: 3, ACK: 4 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  type: FrameType;
  flags: number;
  recordingId: string;
  seq: number;
  fragmentIndex: number;
  fragmentCount: number;
  payload: Buffer;
}

export type FrameErrorCode =
  | 'too-short'
  | 'bad-magic'
  | 'bad-version'
  | 'bad-type'
  | 'bad-recording-id'
  | 'bad-sequence'
  | 'bad-fragment'
  | 'bad-payload'
  | 'too-large';

/** Thrown by the encoders for input they cannot represent; returned (never thrown) by the decoders. */
export class FrameError extends Error {
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: FrameError };

const FIXED_HEADER_BYTES = 14;

/**
 * RFC 6455 §5.2: 2 bytes, plus 2 extended-length bytes for 126..65535 or 8 for more, plus a 4-byte
 * masking key on every client-to-server frame (§5.3).
 */
export function wsHeaderBytes(payloadLength: number, masked: boolean): number {
  const length = payloadLength <= 125 ? 2 : payloadLength <= 0xffff ? 4 : 10;
  return length + (masked ? 4 : 0);
}

/** The largest message whose single WebSocket frame, header included, fits in `maxFrameBytes`. */
export function maxMessageBytes(maxFrameBytes: number, masked: boolean): number {
  let best = -1;
  // Each header size covers a payload-length range; take the largest payload that fits in any of them.
  for (const [low, high] of [
    [0, 125],
    [126, 0xffff],
    [0x10000, Number.MAX_SAFE_INTEGER],
  ] as const) {
    const fit = Math.min(high, maxFrameBytes - wsHeaderBytes(low, masked));
    if (fit >= low && fit > best) best = fit;
  }
  return best;
}

export function frameHeaderBytes(recordingId: string): number {
  return FIXED_HEADER_BYTES + Buffer.byteLength(recordingId, 'utf8');
}

function checkRecordingId(recordingId: string): Buffer {
  const id = Buffer.from(recordingId, 'utf8');
  if (id.length === 0 || id.length > MAX_RECORDING_ID_BYTES) {
    throw new FrameError('bad-recording-id', `recording id must be 1..${MAX_RECORDING_ID_BYTES} bytes`);
  }
  return id;
}

export function encodeFrame(frame: Frame): Buffer {
  const id = checkRecordingId(frame.recordingId);
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > 0xffffffff) {
    throw new FrameError('bad-sequence', `sequence ${frame.seq} out of range`);
  }
  const { fragmentIndex: index, fragmentCount: count } = frame;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FRAGMENTS || index < 0 || index >= count) {
    throw new FrameError('bad-fragment', `fragment ${index}/${count} out of range`);
  }
  const out = Buffer.allocUnsafe(FIXED_HEADER_BYTES + id.length + frame.payload.length);
  out.writeUInt16BE(FRAME_MAGIC, 0);
  out[2] = FRAME_VERSION;
  out[3] = frame.type;
  out[4] = frame.flags & 0xff;
  out[5] = id.length;
  id.copy(out, 6);
  let at = 6 + id.length;
  out.writeUInt32BE(frame.seq, at);
  out.writeUInt16BE(index, at + 4);
  out.writeUInt16BE(count, at + 6);
  at += 8;
  frame.payload.copy(out, at);
  return out;
}

function fail<T>(code: FrameErrorCode, message: string): Decoded<T> {
  return { ok: false, error: new FrameError(code, message) };
}

const TYPES: ReadonlySet<number> = new Set(Object.values(FrameType));

/** Parses one message; the payload is a view into `data` (no copy). */
export function decodeFrame(data: Buffer): Decoded<Frame> {
  if (data.length < FIXED_HEADER_BYTES + 1) return fail('too-short', `frame of ${data.length} bytes`);
  if (data.readUInt16BE(0) !== FRAME_MAGIC) return fail('bad-magic', 'not a recording-stream frame');
  if (data[2] !== FRAME_VERSION) return fail('bad-version', `unsupported version ${data[2]}`);
  const type = data[3]!;
  if (!TYPES.has(type)) return fail('bad-type', `unknown frame type ${type}`);
  const idLength = data[5]!;
  if (idLength === 0 || idLength > MAX_RECORDING_ID_BYTES) {
    return fail('bad-recording-id', `recording id length ${idLength}`);
  }
  const at = 6 + idLength;
  if (data.length < at + 8) return fail('too-short', `frame of ${data.length} bytes`);
  const recordingId = data.toString('utf8', 6, at);
  if (Buffer.byteLength(recordingId, 'utf8') !== idLength) {
    return fail('bad-recording-id', 'recording id is not valid UTF-8');
  }
  const seq = data.readUInt32BE(at);
  const fragmentIndex = data.readUInt16BE(at + 4);
  const fragmentCount = data.readUInt16BE(at + 6);
  if (fragmentCount === 0 || fragmentIndex >= fragmentCount) {
    return fail('bad-fragment', `fragment ${fragmentIndex}/${fragmentCount}`);
  }
  if (type === FrameType.ACK && fragmentCount !== 1) return fail('bad-fragment', 'ACK is never fragmented');
  return {
    ok: true,
    value: {
      type: type as FrameType,
      flags: data[4]!,
      recordingId,
      seq,
      fragmentIndex,
      fragmentCount,
      payload: data.subarray(at + 8),
    },
  };
}

/** One logical message before it is cut into frames. */
export interface StreamMessage {
  type: FrameType;
  flags?: number;
  recordingId: string;
  seq: number;
  payload: Buffer;
}

/**
 * Cuts a message into frames of at most `maxFrameBytes` each on the wire, counting the client's
 * masked WebSocket header (RFC 6455 §5.2, §5.3). Throws FrameError('too-large') past 65,535 fragments.
 */
export function fragmentMessage(message: StreamMessage, maxFrameBytes = MAX_FRAME_BYTES): Buffer[] {
  const room = maxMessageBytes(maxFrameBytes, true) - frameHeaderBytes(message.recordingId);
  if (room < 1)
    throw new FrameError('too-large', `a frame of ${maxFrameBytes} bytes has no room for payload`);
  const count = Math.max(1, Math.ceil(message.payload.length / room));
  if (count > MAX_FRAGMENTS) {
    throw new FrameError('too-large', `message of ${message.payload.length} bytes needs ${count} fragments`);
  }
  const frames: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    frames.push(
      encodeFrame({
        type: message.type,
        flags: message.flags ?? 0,
        recordingId: message.recordingId,
        seq: message.seq,
        fragmentIndex: index,
        fragmentCount: count,
        payload: message.payload.subarray(index * room, (index + 1) * room),
      }),
    );
  }
  return frames;
}
