import type { AudioDecoder } from './decoder.js';
import { createPcmaDecoder, createPcmuDecoder } from './g711.js';
import { G722Decoder } from './g722.js';
import { createOpusDecoder } from './opus.js';
import type { PayloadFormat } from './payload-format.js';

/** Encodings createDecoder() can decode, as SDP names them (upper-cased), with their RTP clock. */
export const supportedEncodings: ReadonlyArray<{ encoding: string; clockRate: number; channels: number }> = [
  { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  { encoding: 'G722', clockRate: 8000, channels: 1 },
  { encoding: 'OPUS', clockRate: 48000, channels: 2 },
];

/** Whether a payload format carries RFC 4733 events rather than audio. */
export function isTelephoneEvent(format: PayloadFormat): boolean {
  return format.encoding.toUpperCase() === 'TELEPHONE-EVENT';
}

/**
 * A fresh (stateful) decoder for one stream of this format, or undefined when the encoding is not
 * supported or its clock rate is not the one the codec defines.
 */
export function createDecoder(format: PayloadFormat): AudioDecoder | undefined {
  const encoding = format.encoding.toUpperCase();
  switch (encoding) {
    case 'PCMU':
      return format.clockRate === 8000 ? createPcmuDecoder() : undefined;
    case 'PCMA':
      return format.clockRate === 8000 ? createPcmaDecoder() : undefined;
    case 'G722':
      // RFC 3551 §4.5.2: the clock rate is 8000 for historical reasons; audio is 16 kHz.
      return format.clockRate === 8000 ? new G722Decoder() : undefined;
    case 'OPUS':
      return format.clockRate === 48000 ? createOpusDecoder() : undefined;
    default:
      return undefined;
  }
}
