/**
 * Media timeouts per call: a call whose endpoints have received nothing for `timeoutMs` (counted
 * from the last packet, or from when it was opened) is reported once; it is reported again only
 * after packets resumed and stopped again. The clock is passed in, so tests need no waiting.
 */
export class TimeoutWatch {
  private readonly calls = new Map<string, { openedAt: number; reported: boolean }>();

  constructor(private readonly timeoutMs: number) {}

  open(callId: string, now: number): void {
    if (!this.calls.has(callId)) this.calls.set(callId, { openedAt: now, reported: false });
  }

  close(callId: string): void {
    this.calls.delete(callId);
  }

  /** Calls that just timed out, with how long they have been idle; `lastPacketAt(callId)` is 0 when none came. */
  check(now: number, lastPacketAt: (callId: string) => number): Array<{ callId: string; idleMs: number }> {
    const out: Array<{ callId: string; idleMs: number }> = [];
    for (const [callId, state] of this.calls) {
      const last = Math.max(state.openedAt, lastPacketAt(callId));
      const idleMs = now - last;
      if (idleMs < this.timeoutMs) {
        state.reported = false;
      } else if (!state.reported) {
        state.reported = true;
        out.push({ callId, idleMs });
      }
    }
    return out;
  }
}
