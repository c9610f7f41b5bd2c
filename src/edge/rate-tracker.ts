export interface RateTrackerOptions {
  /** Requests allowed per window; one more is a flood (Kamailio pike: reqs_density_per_unit). */
  limit: number;
  /** Window length in ms (pike: sampling_time_unit). */
  windowMs: number;
  /** Sources tracked at most; the one whose window started longest ago is forgotten first. */
  maxSources: number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Requests per source address in fixed windows, like Kamailio's pike module: more than `limit`
 * in one window of `windowMs` is a flood. Memory is bounded by `maxSources`.
 */
export class RateTracker {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: RateTrackerOptions) {}

  get size(): number {
    return this.windows.size;
  }

  /** Count one request from `address` at `now`; true when it goes past the limit. */
  hit(address: string, now: number): boolean {
    const window = this.windows.get(address);
    if (window !== undefined && now - window.start < this.options.windowMs) {
      window.count++;
      return window.count > this.options.limit;
    }
    // A new window goes to the back, so Map order is the order windows started in.
    if (window !== undefined) this.windows.delete(address);
    else if (this.windows.size >= this.options.maxSources) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(address, { start: now, count: 1 });
    return 1 > this.options.limit;
  }

  forget(address: string): void {
    this.windows.delete(address);
  }
}
