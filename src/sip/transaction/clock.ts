import type { Clock, TimerHandle } from './types.js';

/**
 * Real time. Timers stay ref'd: a pending retransmission or Timer D/I/J/K must keep running even
 * when nothing else holds the event loop (the layer's close() clears them all).
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
  active: boolean;
}

/** A clock that only moves when told to, for tests: timers fire in time order inside advance(). */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private active = 0;
  /** Binary min-heap ordered by (at, seq): equal times fire in scheduling order. */
  private readonly heap: ManualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.active;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback, active: true };
    this.push(timer);
    this.active++;
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as ManualTimer | undefined;
    if (!timer?.active) return;
    timer.active = false;
    this.active--;
  }

  /** Move time forward by ms, firing every due timer, including those scheduled by fired ones. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  /** Move time forward to an absolute instant (no-op when it is in the past). */
  advanceTo(target: number): void {
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.at > target) break;
      this.pop();
      if (!next.active) continue;
      next.active = false;
      this.active--;
      this.time = next.at;
      next.callback();
    }
    if (target > this.time) this.time = target;
  }

  private less(a: ManualTimer, b: ManualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: ManualTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
