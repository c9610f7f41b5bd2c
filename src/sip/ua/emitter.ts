/** Event name → listener arguments (an interface works: `{ ringing: [response: SipResponse] }`). */
export type EventMap<E> = { [K in keyof E]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A small typed event emitter. Listener exceptions go to `onError` instead of up into the
 * protocol code that emitted (a packet must never crash the node: docs/architecture.md, Errors).
 */
export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners: { [K in keyof E]?: Listener<E[K]>[] } = {};

  constructor(private readonly onError: (error: unknown, event: string) => void = () => {}) {}

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    (this.listeners[event] ??= []).push(listener);
    return this;
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const wrapper: Listener<E[K]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.listeners[event];
    if (list) this.listeners[event] = list.filter((l) => l !== listener);
    return this;
  }

  /** Forget every listener (an owner handing the emitter on to another, e.g. a transferred call leg). */
  removeAllListeners(): this {
    for (const event of Object.keys(this.listeners)) delete this.listeners[event as keyof E];
    return this;
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners[event]?.length ?? 0;
  }

  /** Call the listeners in order; true when there was at least one. */
  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.listeners[event];
    if (!list || list.length === 0) return false;
    for (const listener of [...list]) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error, String(event));
      }
    }
    return true;
  }
}
