import type { AudioDecoder } from '../../media/codec/index.js';
import { resampleFrame } from './resample.js';

/** An audio payload waiting in the reorder window, with where it goes on the leg's timeline. */
interface PendingFrame {
  /** First sample's position on the recording timeline, in samples at the leg's rate. */
  position: number;
  arrivalMs: number;
  payload: Uint8Array;
  decoder: AudioDecoder;
}

export interface LegTimelineOptions {
  /** Packets held to put reordered ones back in place. */
  reorderPackets: number;
  /** ...and at most this long (arrival time) before a packet is written. */
  reorderMs: number;
  /** A timestamp this far ahead of the arrival clock is a jump, not a gap: re-anchor on arrival. */
  maxJumpMs: number;
  /**
   * A timestamp this far behind the arrival clock means the sender's clock did not run meanwhile
   * (hold without timestamp advance, restart): re-anchor on arrival so the gap keeps its length.
   */
  maxLateMs: number;
}

/** Where a placed stretch of audio (or silence) goes: the leg's WAV and the mixer channel. */
export interface TimelineOutput {
  audio(samples: Int16Array): void;
  silence(samples: number): void;
}

/**
 * Places one leg's audio on the recording timeline. A packet's position is the leg's anchor plus
 * its RTP timestamp offset (converted to the leg's sample rate); the anchor is the first packet's
 * arrival time relative to the recording start, and is set again on an SSRC change, a clock-rate
 * change, or a timestamp that disagrees with the arrival clock by more than the limits. Packets wait
 * in a small window sorted by position, then are decoded in order; gaps become silence, overlaps
 * (packets later than the window) are cut.
 */
export class LegTimeline {
  /** Samples emitted so far (the leg's timeline end). */
  cursor = 0;
  /** Audio packets dropped because they came after their place was written. */
  late = 0;
  /** Audio payloads the decoder could not decode. */
  undecodable = 0;

  private readonly pending: PendingFrame[] = [];
  private anchored = false;
  private anchorSsrc = 0;
  private anchorClockRate = 0;
  private anchorPosition = 0;
  private anchorTimestamp = 0;
  /** Furthest end position of any placed or pending frame (estimate for pending: 20 ms). */
  private highestEnd = 0;
  private newestArrivalMs = 0;

  constructor(
    /** Sample rate of the leg's file: its first codec's. */
    readonly sampleRate: number,
    /** Recording start, ms since the epoch. */
    private readonly startMs: number,
    private readonly output: TimelineOutput,
    private readonly options: LegTimelineOptions,
  ) {}

  /** Accepts one audio packet (already validated and not a duplicate). */
  add(ssrc: number, timestamp: number, arrivalMs: number, decoder: AudioDecoder, payload: Uint8Array): void {
    const rate = this.sampleRate;
    const arrivalPosition = Math.max(0, Math.round(((arrivalMs - this.startMs) * rate) / 1000));
    let position: number;
    if (this.anchored && ssrc === this.anchorSsrc && decoder.clockRate === this.anchorClockRate) {
      // RFC 3550 §5.1: timestamps wrap modulo 2^32; `| 0` gives the signed difference.
      const delta = (timestamp - this.anchorTimestamp) | 0;
      position = this.anchorPosition + Math.round((delta * rate) / decoder.clockRate);
      const ahead = position - arrivalPosition;
      const maxLate = (this.options.maxLateMs * rate) / 1000;
      if (ahead > (this.options.maxJumpMs * rate) / 1000) {
        position = this.anchor(ssrc, timestamp, decoder.clockRate, arrivalPosition);
      } else if (-ahead > maxLate) {
        // Behind the clock: a reordered packet (slightly behind the newest one) keeps its place;
        // the newest packet itself, or one far behind everything, means the clock and the
        // timestamps parted ways.
        const behindNewest = this.highestEnd - position;
        if (behindNewest <= rate / 50 || behindNewest > maxLate) {
          position = this.anchor(ssrc, timestamp, decoder.clockRate, arrivalPosition);
        }
      }
    } else {
      position = this.anchor(ssrc, timestamp, decoder.clockRate, arrivalPosition);
    }
    const frameEstimate = position + Math.round(rate / 50);
    if (frameEstimate > this.highestEnd) this.highestEnd = frameEstimate;
    if (arrivalMs > this.newestArrivalMs) this.newestArrivalMs = arrivalMs;

    // Insert sorted by position; the window is a handful of packets, so a backwards scan is cheapest.
    const pending = this.pending;
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.position > position) i--;
    const frame: PendingFrame = { position, arrivalMs, payload, decoder };
    if (i === pending.length) pending.push(frame);
    else pending.splice(i, 0, frame);

    const { reorderPackets, reorderMs } = this.options;
    while (
      pending.length > reorderPackets ||
      (pending.length > 0 && this.newestArrivalMs - pending[0]!.arrivalMs > reorderMs)
    ) {
      this.release(pending.shift()!);
    }
  }

  /** Writes out everything still in the window. */
  flush(): void {
    const pending = this.pending;
    while (pending.length > 0) this.release(pending.shift()!);
  }

  private anchor(ssrc: number, timestamp: number, clockRate: number, arrivalPosition: number): number {
    this.anchored = true;
    this.anchorSsrc = ssrc;
    this.anchorClockRate = clockRate;
    this.anchorTimestamp = timestamp;
    // Never behind what the old anchor already placed: a new source continues, it does not overlap.
    this.anchorPosition = Math.max(arrivalPosition, this.highestEnd, this.cursor);
    return this.anchorPosition;
  }

  private release(frame: PendingFrame): void {
    let samples = frame.decoder.decode(frame.payload);
    if (samples.length === 0) {
      this.undecodable++;
      return;
    }
    if (frame.decoder.sampleRate !== this.sampleRate) {
      // A codec change mid-call: the file keeps its first codec's rate.
      samples = resampleFrame(samples, frame.decoder.sampleRate, this.sampleRate);
    }
    let start = frame.position;
    if (start < this.cursor) {
      const overlap = this.cursor - start;
      if (overlap >= samples.length) {
        this.late++;
        return;
      }
      samples = samples.subarray(overlap);
      start = this.cursor;
    }
    if (start > this.cursor) this.output.silence(start - this.cursor);
    this.output.audio(samples);
    this.cursor = start + samples.length;
    if (this.cursor > this.highestEnd) this.highestEnd = this.cursor;
  }
}
