/** The consumer's state for one streamed recording, kept across the producer's reconnections. */
import type { PacketSink } from '../types.js';
import type { StreamOpen } from './control.js';

export interface SinkSession {
  open: StreamOpen;
  sink: PacketSink;
  /** 'closing' while sink.close() runs: the CLOSE is not acknowledged before the sink finished. */
  state: 'open' | 'closing' | 'closed';
  /** Highest contiguous sequence number taken in (CLOSE included once it arrived). */
  lastSeq: number;
  /** What ACKs say: lastSeq, except that a CLOSE is confirmed only after the sink closed. */
  acked: number;
  /** The connection currently streaming it, if any (an opaque handle of the server's). */
  connection: object | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}
