/** RFC 3711 §3.3.2: the replay list as a sliding window over packet indices (64 packets, the minimum). */
export const REPLAY_WINDOW = 64;

/** The 64-bit window as two 32-bit words (numbers, not a BigInt: no allocation per packet). */
export class ReplayWindow {
  private highest = -1;
  /** Bit n of low (n < 32) or of high (n − 32) set: index highest − n was received. */
  private low = 0;
  private high = 0;

  /** Whether `index` is new and inside the window (not yet recorded). */
  check(index: number): boolean {
    if (this.highest < 0 || index > this.highest) return true;
    const delta = this.highest - index;
    if (delta >= REPLAY_WINDOW) return false;
    return delta < 32 ? (this.low & (1 << delta)) === 0 : (this.high & (1 << (delta - 32))) === 0;
  }

  /** Records `index` after its packet authenticated. */
  accept(index: number): void {
    if (this.highest < 0 || index - this.highest >= REPLAY_WINDOW) {
      this.highest = index;
      this.low = 1;
      this.high = 0;
      return;
    }
    if (index > this.highest) {
      const shift = index - this.highest;
      if (shift >= 32) {
        this.high = this.low << (shift - 32);
        this.low = 0;
      } else {
        this.high = (this.high << shift) | (this.low >>> (32 - shift));
        this.low = this.low << shift;
      }
      this.low |= 1;
      this.highest = index;
      return;
    }
    const delta = this.highest - index;
    if (delta < 32) this.low |= 1 << delta;
    else if (delta < REPLAY_WINDOW) this.high |= 1 << (delta - 32);
  }
}
