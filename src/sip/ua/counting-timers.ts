import { systemTimers, type UaTimers } from './types.js';

/**
 * UaTimers that know how many are armed: the UA core's timers (2xx retransmission, session
 * timers, a B2BUA call's maximum duration and media timeout) all end with their dialogs, so a
 * count that does not return to zero once calls are over is a leak (/metrics shows it).
 */
export class CountingTimers implements UaTimers {
  private readonly armed = new Set<unknown>();

  constructor(private readonly inner: UaTimers = systemTimers) {}

  get pending(): number {
    return this.armed.size;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle: unknown = this.inner.setTimeout(() => {
      this.armed.delete(handle);
      callback();
    }, ms);
    this.armed.add(handle);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.armed.delete(handle);
    this.inner.clearTimeout(handle);
  }
}
