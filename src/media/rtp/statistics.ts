/** What one packet was, as far as sequence validation can tell (RFC 3550 §A.1). */
export type SequenceVerdict =
  /** Counted: in order, late or reordered within bounds. */
  | 'valid'
  /** Same extended sequence number seen recently: not counted. */
  | 'duplicate'
  /** First packet of a new source (SSRC change) or a confirmed restart: counting starts again. */
  | 'restart'
  /** A very large jump, not (yet) confirmed by a following packet: not counted. */
  | 'jump';

const SEQ_MOD = 0x10000;
// RFC 3550 §A.1 defaults.
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/**
 * Sequence numbers remembered to spot duplicates, as one bit each: a late packet is at most
 * MAX_MISORDER behind the newest and a jump at most MAX_DROPOUT ahead, so 4,096 bits cover both.
 * A bitmap (512 bytes) rather than the numbers themselves: a relay keeps one per stream, four per call.
 */
const SEEN_WINDOW = 4096;

/**
 * Per-stream receive statistics: RFC 3550 §A.1 sequence validation (with wrap-around and restart on
 * a new SSRC), §A.3 expected/lost, duplicates, and §A.8 interarrival jitter. One instance per
 * received stream (a leg); an SSRC change starts a new source but totals carry over.
 *
 * Unlike §A.1 the first packet is accepted at once (no probation): a recorder has no reason to
 * doubt a stream it was told to record, and should not drop its first packets.
 */
export class RtpStreamStatistics {
  /** Packets counted as received (duplicates and unconfirmed jumps excluded). */
  received = 0;
  duplicates = 0;
  /** Packets not counted because of an unconfirmed large sequence jump. */
  jumps = 0;
  /** Number of source restarts (SSRC changes or confirmed jumps) after the first packet. */
  restarts = 0;

  private started = false;
  private ssrc = 0;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = SEQ_MOD + 1;
  /** expected/received of sources before the current one. */
  private priorExpected = 0;
  private priorReceived = 0;
  /** Bit `ext & (SEEN_WINDOW - 1)` is set once that extended sequence number was counted. */
  private readonly seen = new Uint32Array(SEEN_WINDOW / 32);
  /** The newest extended sequence number marked in `seen`. */
  private newestSeen = 0;

  // §A.8 state, in timestamp units.
  private jitterUnits = 0;
  private jitterClockRate = 0;
  private lastArrivalMs = 0;
  private lastTimestamp = 0;
  private haveTransit = false;

  /** The extended sequence number (RFC 3550 §A.1 cycles + seq) of the packet last passed to update. */
  lastExtendedSequence = 0;

  /**
   * Accounts one packet. `clockRate` is the RTP clock of its payload type; pass 0 to leave it out of
   * the jitter estimate (e.g. RFC 4733 events, whose timestamp stays the event's start).
   */
  update(
    ssrc: number,
    sequenceNumber: number,
    timestamp: number,
    arrivalMs: number,
    clockRate: number,
  ): SequenceVerdict {
    let verdict: SequenceVerdict = 'valid';
    let ext: number;
    if (!this.started || ssrc !== this.ssrc) {
      if (this.started) {
        this.priorExpected += this.currentExpected();
        this.priorReceived += this.currentReceived;
        this.restarts++;
      }
      this.started = true;
      this.ssrc = ssrc;
      this.initSequence(sequenceNumber);
      this.haveTransit = false;
      verdict = 'restart';
      ext = sequenceNumber;
    } else {
      const udelta = (sequenceNumber - this.maxSeq) & 0xffff;
      if (udelta < MAX_DROPOUT) {
        // In order, with permissible gap (udelta 0 is a duplicate of the newest, caught below).
        if (sequenceNumber < this.maxSeq) this.cycles += SEQ_MOD;
        this.maxSeq = sequenceNumber;
        ext = this.cycles + sequenceNumber;
      } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
        // A very large jump: restart only if the next packet confirms it (§A.1).
        if (sequenceNumber !== this.badSeq) {
          this.badSeq = (sequenceNumber + 1) & 0xffff;
          this.jumps++;
          this.lastExtendedSequence = -1;
          return 'jump';
        }
        this.priorExpected += this.currentExpected();
        this.priorReceived += this.currentReceived;
        this.restarts++;
        this.initSequence(sequenceNumber);
        this.haveTransit = false;
        verdict = 'restart';
        ext = sequenceNumber;
      } else {
        // Late or reordered: it belongs to the previous cycle when numerically above maxSeq.
        ext = this.cycles + sequenceNumber - (sequenceNumber > this.maxSeq ? SEQ_MOD : 0);
      }
    }
    this.lastExtendedSequence = ext;
    if (verdict === 'restart') {
      this.newestSeen = ext;
    } else if (ext > this.newestSeen) {
      // The window moves on: the slots it passes now stand for numbers not seen yet.
      this.forget(this.newestSeen + 1, ext);
      this.newestSeen = ext;
    } else if (this.wasSeen(ext)) {
      this.duplicates++;
      return 'duplicate';
    }
    this.markSeen(ext);
    this.currentReceived++;
    this.received++;
    if (clockRate > 0) this.updateJitter(timestamp, arrivalMs, clockRate);
    return verdict;
  }

  private currentReceived = 0;

  // A power of two: `&` is the right modulo for the (rare) negative extended numbers too.
  private wasSeen(ext: number): boolean {
    const slot = ext & (SEEN_WINDOW - 1);
    return ((this.seen[slot >>> 5] ?? 0) & (1 << (slot & 31))) !== 0;
  }

  private markSeen(ext: number): void {
    const slot = ext & (SEEN_WINDOW - 1);
    const word = slot >>> 5;
    this.seen[word] = (this.seen[word] ?? 0) | (1 << (slot & 31));
  }

  /** Clears the bits of extended numbers `from`..`to` inclusive (at most the whole window). */
  private forget(from: number, to: number): void {
    if (to - from + 1 >= SEEN_WINDOW) {
      this.seen.fill(0);
      return;
    }
    for (let ext = from; ext <= to; ext++) {
      const slot = ext & (SEEN_WINDOW - 1);
      const word = slot >>> 5;
      this.seen[word] = (this.seen[word] ?? 0) & ~(1 << (slot & 31));
    }
  }

  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.currentReceived = 0;
    this.seen.fill(0);
  }

  private currentExpected(): number {
    return this.cycles + this.maxSeq - this.baseSeq + 1;
  }

  /** RFC 3550 §A.3: highest extended sequence number minus the first, plus one, over all sources. */
  get expected(): number {
    return this.started ? this.priorExpected + this.currentExpected() : 0;
  }

  /** RFC 3550 §A.3 cumulative lost, clamped at zero (late duplicates cannot make it negative here). */
  get lost(): number {
    if (!this.started) return 0;
    const current = Math.max(0, this.currentExpected() - this.currentReceived);
    return Math.max(0, this.priorExpected - this.priorReceived) + current;
  }

  // RFC 3550 §A.8: J += (|D| - J) / 16, D from transit-time differences in timestamp units.
  private updateJitter(timestamp: number, arrivalMs: number, clockRate: number): void {
    if (!this.haveTransit || clockRate !== this.jitterClockRate) {
      if (clockRate !== this.jitterClockRate) this.jitterUnits = 0;
      this.jitterClockRate = clockRate;
      this.haveTransit = true;
    } else {
      const tsDelta = (timestamp - this.lastTimestamp) | 0; // signed, modulo 2^32
      const d = ((arrivalMs - this.lastArrivalMs) * clockRate) / 1000 - tsDelta;
      this.jitterUnits += (Math.abs(d) - this.jitterUnits) / 16;
    }
    this.lastArrivalMs = arrivalMs;
    this.lastTimestamp = timestamp;
  }

  /** Interarrival jitter in timestamp units (RFC 3550 §A.8). */
  get jitter(): number {
    return this.jitterUnits;
  }

  /** Interarrival jitter in milliseconds, given the clock rate it was measured in. */
  get jitterMs(): number {
    return this.jitterClockRate > 0 ? (this.jitterUnits * 1000) / this.jitterClockRate : 0;
  }
}
