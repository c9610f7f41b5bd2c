/** One RTP packet as it arrived on a leg. */
export interface RecordedPacket {
  leg: number;
  /** Arrival time, ms since the epoch (fractional). */
  arrivalMs: number;
  /** The whole RTP packet (header + payload), unmodified. */
  data: Buffer;
}
