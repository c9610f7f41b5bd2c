import alawmulaw from 'alawmulaw';
import { buildRtpPacket } from '../../../../src/media/rtp/index.js';
import type { RecordedPacket } from '../../../../src/recording/types.js';
import { G722Encoder } from '../../media/codec/g722-encoder.js';
import { tone } from '../../media/codec/tone.js';

export type Codec = 'PCMU' | 'PCMA' | 'G722';

export interface StreamSpec {
  leg: number;
  codec: Codec;
  payloadType: number;
  frequency: number;
  seconds: number;
  /** Arrival of the first packet, ms since the epoch. */
  startMs: number;
  ssrc?: number;
  firstSeq?: number;
  firstTimestamp?: number;
}

/** 20 ms packets of a tone, arriving exactly on time. */
export function toneStream(spec: StreamSpec): RecordedPacket[] {
  const rate = spec.codec === 'G722' ? 16000 : 8000;
  const perPacket = rate / 50;
  const count = Math.round(spec.seconds * 50);
  const pcm = tone(spec.frequency, rate, perPacket * count);
  let payloads: Uint8Array;
  if (spec.codec === 'PCMU') payloads = alawmulaw.mulaw.encode(pcm);
  else if (spec.codec === 'PCMA') payloads = alawmulaw.alaw.encode(pcm);
  else payloads = new G722Encoder().encode(pcm);
  const octets = payloads.length / count;
  const packets: RecordedPacket[] = [];
  for (let i = 0; i < count; i++) {
    packets.push({
      leg: spec.leg,
      arrivalMs: spec.startMs + i * 20,
      data: buildRtpPacket({
        payloadType: spec.payloadType,
        sequenceNumber: ((spec.firstSeq ?? 1000) + i) & 0xffff,
        timestamp: ((spec.firstTimestamp ?? 5000) + i * 160) >>> 0,
        ssrc: spec.ssrc ?? 0x1000 + spec.leg,
        payload: payloads.subarray(i * octets, (i + 1) * octets),
      }),
    });
  }
  return packets;
}

/** Packets of several legs in arrival order (stable). */
export function byArrival(...streams: RecordedPacket[][]): RecordedPacket[] {
  return streams.flat().sort((a, b) => a.arrivalMs - b.arrivalMs);
}
