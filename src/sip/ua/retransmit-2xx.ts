import type { UaTimers } from './types.js';

export interface Retransmit2xxOptions {
  timers: UaTimers;
  t1: number;
  t2: number;
  /** Over unreliable transports only; the give-up timer runs either way. */
  retransmit: boolean;
  send(): void;
  /** 64·T1 passed without an ACK. */
  onGiveUp(): void;
}

/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): resend at T1, then doubling up to T2,
 * until `stop()` (the ACK arrived), giving up 64·T1 after the first send.
 */
export class Retransmit2xx {
  private interval: number;
  private retransmitTimer: unknown;
  private readonly giveUpTimer: unknown;
  private stopped = false;

  constructor(private readonly options: Retransmit2xxOptions) {
    this.interval = options.t1;
    this.giveUpTimer = options.timers.setTimeout(() => this.giveUp(), 64 * options.t1);
    if (options.retransmit) this.schedule();
  }

  get active(): boolean {
    return !this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.timers.clearTimeout(this.giveUpTimer);
    if (this.retransmitTimer !== undefined) this.options.timers.clearTimeout(this.retransmitTimer);
  }

  private schedule(): void {
    this.retransmitTimer = this.options.timers.setTimeout(() => {
      if (this.stopped) return;
      this.options.send();
      this.interval = Math.min(this.interval * 2, this.options.t2);
      this.schedule();
    }, this.interval);
  }

  private giveUp(): void {
    if (this.stopped) return;
    this.stop();
    this.options.onGiveUp();
  }
}
