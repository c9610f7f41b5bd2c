/** One RFC 4733 §2.3 named telephone event payload. */
export interface TelephoneEvent {
  /** Event code: 0-9 digits, 10 '*', 11 '#', 12-15 A-D, 16 flash, others per RFC 4734. */
  event: number;
  /** The E bit: this packet ends the event. */
  end: boolean;
  /** Power level in -dBm0, 0..63. */
  volume: number;
  /** Duration so far, in RTP timestamp units. */
  duration: number;
}

const DTMF = '0123456789*#ABCD';

/** Parses the first (usually only) event block of a telephone-event payload; undefined when short. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/** The DTMF symbol of an event code (RFC 4733 §3.2), or undefined for non-DTMF events. */
export function dtmfDigit(event: number): string | undefined {
  return event < DTMF.length ? DTMF[event] : undefined;
}
