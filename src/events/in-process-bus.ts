import type { EventBus, EventFor, EventPattern, SwitchboardEvent, Unsubscribe } from './types.js';

type Handler = (event: SwitchboardEvent) => void;

/**
 * Events delivered inside one process, synchronously, in subscription order. A subscriber that
 * throws is reported to `onError` and does not stop delivery to the others, nor reach the publisher.
 */
export class InProcessEventBus implements EventBus {
  /** Exact type → handlers; family prefix (`registration.`) → handlers; '' for `*`. */
  private readonly exact = new Map<string, Set<Handler>>();
  private readonly prefixes = new Map<string, Set<Handler>>();
  private closed = false;

  constructor(private readonly onError: (error: unknown, event: SwitchboardEvent) => void = () => {}) {}

  publish(event: SwitchboardEvent): void {
    if (this.closed) return;
    this.deliver(this.exact.get(event.type), event);
    for (const [prefix, handlers] of this.prefixes) {
      if (event.type.startsWith(prefix)) this.deliver(handlers, event);
    }
  }

  subscribe<P extends EventPattern>(pattern: P, handler: (event: EventFor<P>) => void): Unsubscribe {
    const h = handler as Handler;
    const isFamily = pattern === '*' || pattern.endsWith('.*');
    const map = isFamily ? this.prefixes : this.exact;
    const key = isFamily ? pattern.slice(0, -1) : pattern;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  }

  /** Number of live subscriptions (for leak checks). */
  get size(): number {
    let n = 0;
    for (const s of this.exact.values()) n += s.size;
    for (const s of this.prefixes.values()) n += s.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.exact.clear();
    this.prefixes.clear();
  }

  private deliver(handlers: Set<Handler> | undefined, event: SwitchboardEvent): void {
    if (!handlers) return;
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (e) {
        this.onError(e, event);
      }
    }
  }
}
