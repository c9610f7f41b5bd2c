/** RFC 3711 §3.3.2: the replay list as a sliding window over packet indices (64 packets, the minimum). */
export const REPLAY_WINDOW = 64;

export class ReplayWindow {
  private highest = -1;
  /** Bit n set: index highest − n was received. */
  private mask = 0n;

  /** Whether `index` is new and inside the window (not yet recorded). */
  check(index: number): boolean {
    if (this.highest < 0 || index > this.highest) return true;
    const delta = this.highest - index;
    if (delta >= REPLAY_WINDOW) return false;
    return (this.mask & (1n << BigInt(delta))) === 0n;
  }

  /** Records `index` after its packet authenticated. */
  accept(index: number): void {
    if (this.highest < 0) {
      this.highest = index;
      this.mask = 1n;
      return;
    }
    if (index > this.highest) {
      const shift = index - this.highest;
      this.mask = shift >= REPLAY_WINDOW ? 1n : ((this.mask << BigInt(shift)) | 1n) & ((1n << 64n) - 1n);
      this.highest = index;
    } else {
      this.mask |= 1n << BigInt(this.highest - index);
    }
  }
}
