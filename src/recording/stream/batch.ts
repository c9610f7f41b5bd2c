/**
 * The BATCH payload: u32 packet count, then per packet u8 leg, f64 arrival time (ms since the epoch,
 * exactly as measured), u16 length, the RTP packet bytes unmodified. Big-endian.
 */
import type { RecordedPacket } from '../types.js';
import { type Decoded, FrameError } from './frame.js';

export const PACKET_RECORD_OVERHEAD = 11;
export const MAX_PACKET_BYTES = 0xffff;
export const MAX_LEG = 0xff;

/** Why a packet cannot be carried, or undefined when it can. */
export function packetProblem(packet: RecordedPacket): string | undefined {
  if (!Number.isInteger(packet.leg) || packet.leg < 0 || packet.leg > MAX_LEG) return `leg ${packet.leg}`;
  if (!Number.isFinite(packet.arrivalMs)) return 'arrival time is not finite';
  if (!Buffer.isBuffer(packet.data) || packet.data.length > MAX_PACKET_BYTES) return 'packet too large';
  return undefined;
}

/** One packet's record inside a batch payload; throws FrameError for a packet packetProblem rejects. */
export function encodePacketRecord(packet: RecordedPacket): Buffer {
  const problem = packetProblem(packet);
  if (problem) throw new FrameError('bad-payload', problem);
  const out = Buffer.allocUnsafe(PACKET_RECORD_OVERHEAD + packet.data.length);
  out[0] = packet.leg;
  out.writeDoubleBE(packet.arrivalMs, 1);
  out.writeUInt16BE(packet.data.length, 9);
  packet.data.copy(out, PACKET_RECORD_OVERHEAD);
  return out;
}

/** Joins encoded packet records into a batch payload. */
export function encodeBatchRecords(records: readonly Buffer[]): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(records.length, 0);
  return Buffer.concat([head, ...records]);
}

export function encodeBatch(packets: readonly RecordedPacket[]): Buffer {
  return encodeBatchRecords(packets.map(encodePacketRecord));
}

/** Parses a reassembled batch payload; each packet's data is a copy, safe to keep. */
export function decodeBatch(payload: Buffer): Decoded<RecordedPacket[]> {
  const bad = (message: string): Decoded<RecordedPacket[]> => ({
    ok: false,
    error: new FrameError('bad-payload', message),
  });
  if (payload.length < 4) return bad('batch shorter than its packet count');
  const count = payload.readUInt32BE(0);
  // Each record is at least 11 bytes: a count beyond that is a lie, caught before allocating.
  if (count > (payload.length - 4) / PACKET_RECORD_OVERHEAD) return bad(`batch claims ${count} packets`);
  const packets: RecordedPacket[] = new Array(count);
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + PACKET_RECORD_OVERHEAD > payload.length) return bad(`packet ${i} truncated`);
    const leg = payload[at]!;
    const arrivalMs = payload.readDoubleBE(at + 1);
    const length = payload.readUInt16BE(at + 9);
    at += PACKET_RECORD_OVERHEAD;
    if (at + length > payload.length) return bad(`packet ${i} truncated`);
    if (!Number.isFinite(arrivalMs)) return bad(`packet ${i} arrival time is not finite`);
    packets[i] = { leg, arrivalMs, data: Buffer.from(payload.subarray(at, at + length)) };
    at += length;
  }
  if (at !== payload.length) return bad(`${payload.length - at} bytes after the last packet`);
  return { ok: true, value: packets };
}
