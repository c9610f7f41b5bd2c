import type { Binding, BindingSource } from '../../location/index.js';

/** One keep-alive sent to a binding: resolves true when the phone (or its NAT) answered. */
export type KeepalivePing = (binding: Binding) => Promise<boolean>;

/** What the keep-alive needs from the location service. */
export interface KeepaliveLocation {
  lookup(aor: string): Promise<Binding[]>;
  update(aor: string, change: { remove: readonly Binding[]; add: readonly Binding[] }): Promise<void>;
}

export interface KeepaliveCounters {
  sent(kind: 'options' | 'crlf'): void;
  failed(kind: 'options' | 'crlf'): void;
  expired(): void;
}

export interface NatKeepaliveOptions {
  /** ms between two keep-alives to one binding (nat.keepaliveInterval). */
  intervalMs: number;
  /** Unanswered keep-alives in a row after which the binding is removed (nat.keepaliveFailures). */
  failures: number;
  location: KeepaliveLocation;
  /** SIP OPTIONS (datagram transports) and CRLF (stream transports, RFC 5626 §3.5.1). */
  ping: { options: KeepalivePing; crlf: KeepalivePing };
  /** A binding was removed because it stopped answering (publish the event here). */
  onExpired?: (binding: Binding) => void;
  onError?: (error: unknown) => void;
  counters?: KeepaliveCounters;
  /** Keep-alives out at once at most: the rest wait for the next tick. */
  maxInFlight?: number;
  now?: () => number;
  /** ms between scheduler ticks; 0 = no timer (tests call tick()). */
  tickMs?: number;
}

interface Tracked {
  aor: string;
  contact: string;
  nextAt: number;
  failures: number;
  inFlight: boolean;
}

const streamProtocols = new Set<BindingSource['protocol']>(['tcp', 'tls']);

/**
 * Keeps NAT bindings of registered phones open (Kamailio's nathelper natping with sipping): every
 * interval each tracked binding gets an OPTIONS from the node, or CRLF over a TCP or TLS connection
 * (RFC 5626 §3.5.1), sent to where its REGISTER came from; WebSocket bindings are left to their
 * connection's own ping frames. Any answer (even 404 or 405) shows the way back
 * still open; `failures` unanswered ones in a row remove the binding from the location service,
 * like nathelper's keepalive_timeout. A REGISTER refresh counts as an answer. Schedules are
 * spread over the interval (each binding keeps the phase it was registered at), so 10,000
 * bindings do not all get pinged in the same second.
 */
export class NatKeepalive {
  private readonly tracked = new Map<string, Tracked>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private inFlight = 0;

  constructor(private readonly options: NatKeepaliveOptions) {
    if (!(options.intervalMs > 0)) throw new Error('NatKeepalive: intervalMs must be positive');
    if (!(options.failures >= 1)) throw new Error('NatKeepalive: failures must be at least 1');
    this.now = options.now ?? Date.now;
    const tickMs = options.tickMs ?? 1000;
    if (tickMs > 0) {
      this.timer = setInterval(() => this.tick(), tickMs);
      this.timer.unref();
    }
  }

  /** NATed bindings being kept alive. */
  get size(): number {
    return this.tracked.size;
  }

  /** Keep this binding alive (registered or refreshed behind NAT): its failures start again. */
  track(aor: string, contact: string): void {
    const key = keyOf(aor, contact);
    const existing = this.tracked.get(key);
    if (existing) {
      existing.failures = 0;
      return;
    }
    this.tracked.set(key, {
      aor,
      contact,
      nextAt: this.now() + this.options.intervalMs,
      failures: 0,
      inFlight: false,
    });
  }

  /** Stop (removed, expired, or no longer behind NAT). */
  untrack(aor: string, contact: string): void {
    this.tracked.delete(keyOf(aor, contact));
  }

  /** Send the keep-alives that are due; returns how many were started. */
  tick(): number {
    const now = this.now();
    const max = this.options.maxInFlight ?? 256;
    let started = 0;
    for (const entry of this.tracked.values()) {
      if (this.inFlight >= max) break;
      if (entry.inFlight || entry.nextAt > now) continue;
      entry.nextAt = now + this.options.intervalMs;
      entry.inFlight = true;
      this.inFlight++;
      started++;
      this.ping(entry)
        .catch((e: unknown) => this.options.onError?.(e))
        .finally(() => {
          entry.inFlight = false;
          this.inFlight--;
        });
    }
    return started;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.tracked.clear();
  }

  private async ping(entry: Tracked): Promise<void> {
    const binding = (await this.options.location.lookup(entry.aor)).find((b) => b.contact === entry.contact);
    // RFC 7118 defines no CRLF keep-alive inside WebSocket messages: its own ping/pong frames
    // (RFC 6455 §5.5.2) keep those connections, so WebSocket bindings are not pinged.
    if (!binding || binding.source.protocol === 'ws' || binding.source.protocol === 'wss') {
      this.forget(entry);
      return;
    }
    const kind = streamProtocols.has(binding.source.protocol) ? 'crlf' : 'options';
    this.options.counters?.sent(kind);
    const answered = await this.options.ping[kind](binding).catch(() => false);
    if (this.tracked.get(keyOf(entry.aor, entry.contact)) !== entry) return; // untracked meanwhile
    if (answered) {
      entry.failures = 0;
      return;
    }
    this.options.counters?.failed(kind);
    entry.failures++;
    if (entry.failures < this.options.failures) return;
    this.forget(entry);
    // The binding as it is now: a REGISTER may have refreshed it while the ping was out.
    const current = (await this.options.location.lookup(entry.aor)).find((b) => b.contact === entry.contact);
    if (!current || current.updatedAt !== binding.updatedAt) return;
    await this.options.location.update(entry.aor, { remove: [current], add: [] });
    this.options.counters?.expired();
    this.options.onExpired?.(current);
  }

  private forget(entry: Tracked): void {
    const key = keyOf(entry.aor, entry.contact);
    if (this.tracked.get(key) === entry) this.tracked.delete(key);
  }
}

function keyOf(aor: string, contact: string): string {
  return `${aor}\n${contact}`;
}
