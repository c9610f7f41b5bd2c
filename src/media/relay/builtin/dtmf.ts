import { dtmfDigit, parseTelephoneEvent } from '../../codec/index.js';

export interface DetectedDigit {
  digit: string;
  /** From the event's duration field (RFC 4733 §2.5.1.3), in ms. */
  durationMs: number;
}

/**
 * RFC 4733 DTMF detection on one stream: a digit is reported once, when the first packet with the
 * end bit of its event arrives (§2.5.1.4: the end packet is sent three times; the retransmissions
 * carry the same RTP timestamp and are ignored). Non-DTMF events (flash, tones) are not reported.
 */
export class DtmfDetector {
  private lastEndTimestamp: number | undefined;

  constructor(private readonly clockRate = 8000) {}

  /** Feeds the payload of a telephone-event packet; returns the digit when it ended. */
  packet(payload: Uint8Array, timestamp: number): DetectedDigit | undefined {
    const event = parseTelephoneEvent(payload);
    if (event === undefined || !event.end) return undefined;
    if (this.lastEndTimestamp === timestamp) return undefined;
    this.lastEndTimestamp = timestamp;
    const digit = dtmfDigit(event.event);
    if (digit === undefined) return undefined;
    return { digit, durationMs: Math.round((event.duration * 1000) / this.clockRate) };
  }
}
