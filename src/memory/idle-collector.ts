import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleCollectorOptions {
  /** Requests handled so far (a counter that only grows): the node's activity. */
  activity: () => number;
  /** How often activity and the heap are looked at (default 2 s). */
  intervalMs?: number;
  /** Heap growth since the last full collection worth a collection (default 32 MiB). */
  minGarbageBytes?: number;
  /**
   * How long the garbage of a burst keeps dying after it (the longest transaction lifetime, Timer J
   * = 64·T1): a quiet node collects once more this long after its first quiet collection.
   */
  settleMs?: number;
  /** Full collection (tests pass a fake); default: V8's, compacting, through --expose-gc set at runtime. */
  collect?: () => void;
  heapUsed?: () => number;
  now?: () => number;
}

/**
 * How much of the peak rate a look keeps (half-life about 23 looks, 45 s at the default interval):
 * the trickle after a burst stays quiet, so the second collection comes Timer J later.
 */
const PEAK_FADE = 0.97;

/**
 * A full garbage collection when a burst of work is over. V8 collects when allocation reaches a
 * limit; once the traffic stops nothing allocates, so the garbage of the burst (expired
 * transaction records, swept caches) stays in the heap, and in the process's memory, until the
 * next burst: after 100,000 registrations the heap held 220 MB of which 80 MB were live. When the
 * request rate stays below a quarter of its recent peak for two looks in a row (one may be a dip
 * in a loaded node's traffic) and the heap has grown by `minGarbageBytes` since the last full
 * collection, this collects (a pause of tens to hundreds of milliseconds on a quiet node); once
 * more `settleMs` later, when what the burst left waiting out its timers (completed transactions)
 * is garbage too. The first quiet looks also collect what start-up left (module loading). The
 * collections compact: the live data a burst left (bindings) is spread over pages between the
 * dead records, and V8 only gives back pages that are wholly free.
 */

export class IdleCollector {
  private readonly timer: NodeJS.Timeout;
  private readonly collect: () => void;
  private readonly heapUsed: () => number;
  private readonly minGarbage: number;
  private lastActivity: number;
  /** The busiest look lately, fading (PEAK_FADE a look) so a later, smaller burst counts as busy. */
  private peakRate = 0;
  /** Quiet looks in a row: one alone may be a dip in a loaded node's traffic. */
  private quietLooks = 0;
  private usedAfterCollection: number;
  private readonly now: () => number;
  private readonly settleMs: number;
  /** When the last collection of the current quiet period ran, and whether it settled it. */
  private quietCollectionAt: number | undefined;
  private settled = false;
  /** Full collections it ran (for /metrics and tests). */
  collections = 0;

  constructor(private readonly options: IdleCollectorOptions) {
    this.collect = options.collect ?? v8Collector();
    this.heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
    this.minGarbage = options.minGarbageBytes ?? 32 * 2 ** 20;
    this.now = options.now ?? Date.now;
    this.settleMs = options.settleMs ?? 0;
    this.lastActivity = options.activity();
    // No collection yet: start-up's garbage counts towards the first one.
    this.usedAfterCollection = 0;
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** One look at activity and heap (the timer calls it; tests call it directly). */
  tick(): void {
    const activity = this.options.activity();
    const rate = activity - this.lastActivity;
    this.lastActivity = activity;
    this.peakRate = Math.max(rate, this.peakRate * PEAK_FADE);
    if (rate * 4 > this.peakRate) {
      this.quietCollectionAt = undefined; // busy: V8's own collections are enough
      this.quietLooks = 0;
      return;
    }
    this.quietLooks++;
    const now = this.now();
    if (this.quietLooks >= 2 && this.heapUsed() - this.usedAfterCollection >= this.minGarbage) {
      this.collectNow(now);
      this.settled = false;
    } else if (
      !this.settled &&
      this.quietCollectionAt !== undefined &&
      now - this.quietCollectionAt >= this.settleMs
    ) {
      this.collectNow(now);
      this.settled = true;
    }
  }

  private collectNow(now: number): void {
    this.collect();
    this.collections++;
    this.usedAfterCollection = this.heapUsed();
    this.quietCollectionAt = now;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * V8's full collection, made reachable without starting node with --expose-gc, and compacting:
 * V8 reads --compact-on-every-full-gc at each collection, so it is on for this one only (a 100 MB
 * heap after a burst: 112 MB of pages kept by a plain collection, 59 MB after a compacting one, for
 * tens of milliseconds more of collection).
 */
function v8Collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}
