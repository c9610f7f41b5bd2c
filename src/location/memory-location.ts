import { MinHeap } from './min-heap.js';
import { fromStored, toStored } from './stored-binding.js';
import type { Binding, BindingChange, BindingStore, LocationService } from './types.js';

export interface MemoryLocationOptions {
  /** Write-through target, so that bindings survive a restart (RFC 3261 §10.3 leaves storage open). */
  store?: BindingStore;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** How often expired bindings are swept (ms); 0 = never on its own (tests call sweep()). */
  sweepIntervalMs?: number;
  /** A binding reached its expiry without a refresh. */
  onExpired?: (binding: Binding) => void;
  /** A store write failed outside a request (sweeps, write-back flushes). */
  onStoreError?: (error: unknown) => void;
  /**
   * `write-through` (default): every change reaches the store before the REGISTER is answered, and a
   * failed write fails the REGISTER. `write-back`: changes are kept in memory and written in one
   * transaction every `flushIntervalMs` and on close (Kamailio usrloc db_mode 2); a crash loses at
   * most that interval of refreshes, which phones repeat anyway (RFC 3261 §10.2.4).
   */
  persistence?: 'write-through' | 'write-back';
  flushIntervalMs?: number;
}

/**
 * Bindings in memory, indexed by AoR and by (AoR, instance-id, reg-id). Expiry is one heap of
 * bindings ordered by expiry swept by one timer, not a timer per binding: a refresh pushes the new
 * object and leaves the old one to be skipped (it is no longer indexed); the heap is rebuilt when
 * such stale entries outnumber the live ones, so de-register/re-register loops cannot grow it.
 */
export class MemoryLocationService implements LocationService {
  private readonly byAor = new Map<string, Binding[]>();
  private readonly byInstance = new Map<string, Binding>();
  private readonly heap = new MinHeap<Binding>((b) => b.expiresAt);
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private live = 0;
  /** Write-back: the latest pending write per AoR+contact (a binding to save, or null to remove). */
  private pending = new Map<string, { aor: string; contact: string; binding: Binding | null }>();
  private flushing: Promise<void> | undefined;
  private readonly flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemoryLocationOptions = {}) {
    this.now = options.now ?? Date.now;
    const every = options.sweepIntervalMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => this.sweep(), every);
      this.timer.unref();
    }
    if (this.writeBack) {
      this.flushTimer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
      this.flushTimer.unref();
    }
  }

  private get writeBack(): boolean {
    return this.options.store !== undefined && this.options.persistence === 'write-back';
  }

  async lookup(aor: string): Promise<Binding[]> {
    return this.liveBindings(aor);
  }

  /** Synchronous lookup for in-process callers (the proxy's hot path). */
  liveBindings(aor: string): Binding[] {
    const list = this.byAor.get(aor);
    if (!list) return [];
    const now = this.now();
    return list.filter((b) => b.expiresAt > now).sort(byPreference);
  }

  async findInstance(aor: string, instanceId: string, regId: number): Promise<Binding | undefined> {
    const b = this.byInstance.get(instanceKey(aor, instanceId, regId));
    return b && b.expiresAt > this.now() ? b : undefined;
  }

  async update(aor: string, change: BindingChange): Promise<void> {
    return this.commit(aor, change);
  }

  /** `update`, complete at once in memory and with write-back; write-through waits for the store. */
  commit(aor: string, change: BindingChange): void | Promise<void> {
    const store = this.options.store;
    if (store && !this.writeBack) return this.writeThrough(store, aor, change);
    if (store) {
      for (const b of change.remove) this.markPending(b.aor, b.contact, null);
      for (const b of change.add) this.markPending(b.aor, b.contact, b);
    }
    this.apply(change);
  }

  private async writeThrough(store: BindingStore, aor: string, change: BindingChange): Promise<void> {
    // Store first: a failed write leaves memory untouched and the REGISTER fails (§10.3 step 7).
    const added = new Set(change.add.map((b) => b.contact));
    for (const b of change.remove) if (!added.has(b.contact)) await store.removeBinding(aor, b.contact);
    for (const b of change.add) await store.saveBinding(toStored(b));
    this.apply(change);
  }

  private apply(change: BindingChange): void {
    for (const b of change.remove) this.unindex(b);
    for (const b of change.add) this.index(b);
  }

  async restore(): Promise<number> {
    const store = this.options.store;
    if (!store) return 0;
    const now = this.now();
    let restored = 0;
    for (const row of await store.loadBindings()) {
      const b = fromStored(row, now);
      if (!b || b.expiresAt <= now) {
        await store.removeBinding(row.aor, row.contact).catch((e) => this.options.onStoreError?.(e));
        continue;
      }
      // A binding already in memory (registered since start) is newer than the stored row.
      if (this.byAor.get(b.aor)?.some((x) => x.contact === b.contact)) continue;
      this.index(b);
      restored++;
    }
    return restored;
  }

  async count(): Promise<number> {
    return this.live;
  }

  /** Live bindings, all AoRs (tests, the API). */
  get size(): number {
    return this.live;
  }

  /** Every binding held, live or not yet swept (the NAT keep-alive starts from the restored ones). */
  *bindings(): IterableIterator<Binding> {
    for (const list of this.byAor.values()) yield* list;
  }

  /** Entries in the expiry heap, stale ones included (leak checks). */
  get pendingExpiries(): number {
    return this.heap.size;
  }

  /** Remove every binding whose expiry has passed; returns how many. */
  sweep(): number {
    const now = this.now();
    let expired = 0;
    for (;;) {
      const top = this.heap.peek();
      if (!top || top.expiresAt > now) break;
      this.heap.pop();
      if (!this.isIndexed(top)) continue; // refreshed or removed since it was pushed
      this.unindex(top);
      expired++;
      if (this.writeBack) this.markPending(top.aor, top.contact, null);
      else
        this.options.store
          ?.removeBinding(top.aor, top.contact)
          .catch((e: unknown) => this.options.onStoreError?.(e));
      this.options.onExpired?.(top);
    }
    if (this.heap.size > 2 * this.live + 1024) this.compact();
    return expired;
  }

  /** Write-back: writes every pending change in one transaction; failed writes stay pending. */
  async flush(): Promise<void> {
    const store = this.options.store;
    if (!store || this.pending.size === 0) return this.flushing;
    if (this.flushing) {
      await this.flushing;
      return this.flush();
    }
    const batch = this.pending;
    this.pending = new Map();
    const save = [];
    const remove = [];
    for (const w of batch.values()) {
      if (w.binding) save.push(toStored(w.binding));
      else remove.push({ aor: w.aor, contact: w.contact });
    }
    this.flushing = store
      .writeBindings({ save, remove })
      .catch((e: unknown) => {
        // Keep what failed unless a newer change superseded it; bounded by the live bindings.
        for (const [key, w] of batch) if (!this.pending.has(key)) this.pending.set(key, w);
        this.options.onStoreError?.(e);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Changes not yet written (write-back). */
  get pendingWrites(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flush();
  }

  private markPending(aor: string, contact: string, binding: Binding | null): void {
    this.pending.set(`${aor}\n${contact}`, { aor, contact, binding });
  }

  private index(b: Binding): void {
    const list = this.byAor.get(b.aor);
    // One binding per contact string: a stale duplicate (same contact) is dropped first.
    const same = list?.find((x) => x.contact === b.contact);
    if (same) this.unindex(same);
    const current = this.byAor.get(b.aor);
    if (current) current.push(b);
    else this.byAor.set(b.aor, [b]);
    if (b.instanceId !== undefined && b.regId !== undefined) {
      const key = instanceKey(b.aor, b.instanceId, b.regId);
      const previous = this.byInstance.get(key);
      if (previous && previous !== b) this.unindex(previous);
      this.byInstance.set(key, b);
    }
    this.heap.push(b);
    this.live++;
  }

  private unindex(b: Binding): void {
    const list = this.byAor.get(b.aor);
    if (!list) return;
    const i = list.indexOf(b);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byAor.delete(b.aor);
    if (b.instanceId !== undefined && b.regId !== undefined) {
      const key = instanceKey(b.aor, b.instanceId, b.regId);
      if (this.byInstance.get(key) === b) this.byInstance.delete(key);
    }
    this.live--;
  }

  private isIndexed(b: Binding): boolean {
    return this.byAor.get(b.aor)?.includes(b) ?? false;
  }

  private compact(): void {
    const items: Binding[] = [];
    for (const list of this.byAor.values()) for (const b of list) items.push(b);
    this.heap.reset(items);
  }
}

function instanceKey(aor: string, instanceId: string, regId: number): string {
  return `${aor}\n${instanceId}\n${regId}`;
}

/** RFC 3261 §16.6: higher q first; within a q the most recent registration first. */
function byPreference(a: Binding, b: Binding): number {
  return b.q - a.q || b.updatedAt - a.updatedAt;
}
