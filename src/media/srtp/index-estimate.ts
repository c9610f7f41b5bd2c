/**
 * RFC 3711 §3.3.1 and Appendix A: the 48-bit packet index i = 2^16 * ROC + SEQ, guessing the ROC
 * of a received sequence number from the highest one seen (s_l) so that wrap-around and modest
 * reordering both work.
 */
export class IndexEstimator {
  private roc = 0;
  private highestSeq = -1;

  /** The index `seq` most likely has (ROC − 1, ROC or ROC + 1); nothing is updated. */
  estimate(seq: number): number {
    if (this.highestSeq < 0) return seq;
    const sl = this.highestSeq;
    let v = this.roc;
    if (sl < 32768) {
      if (seq - sl > 32768) v = this.roc - 1;
    } else if (sl - 32768 > seq) {
      v = this.roc + 1;
    }
    // Before the first wrap a "previous ROC" does not exist: treat it as an old packet of ROC 0.
    if (v < 0) v = 0;
    return v * 65536 + seq;
  }

  /** The ROC a packet at `index` is authenticated with. */
  static roc(index: number): number {
    return Math.floor(index / 65536);
  }

  /** After authentication (§3.3.1): advance s_l and the ROC when `index` is the newest yet. */
  update(index: number): void {
    const current = this.highestSeq < 0 ? -1 : this.roc * 65536 + this.highestSeq;
    if (index <= current) return;
    this.roc = Math.floor(index / 65536);
    this.highestSeq = index % 65536;
  }
}
