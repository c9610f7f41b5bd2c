import type { TransportProtocol } from '../sip/transport/index.js';
import type { ProvisioningStore } from '../store/types.js';

/** Where a REGISTER came from: requests for the binding go back there (NAT traversal, RFC 5626 §5.3). */
export interface BindingSource {
  protocol: TransportProtocol;
  address: string;
  port: number;
  /** The stream connection it arrived on (not persisted: connections do not survive a restart). */
  connectionId?: string;
}

/**
 * One contact bound to an address-of-record (RFC 3261 §10). Immutable: a refresh replaces the
 * object. Only strings and numbers, never parsed messages, so that 100,000 bindings stay small.
 */
export interface Binding {
  /** Canonical address-of-record, `sip:user@domain` (user unescaped, domain lower-case). */
  readonly aor: string;
  /** The contact URI as registered (without Contact header parameters). */
  readonly contact: string;
  /** Absolute expiry, ms since the epoch. */
  readonly expiresAt: number;
  /** Preference, 0..1 (1 when the Contact had no q). */
  readonly q: number;
  /** Call-ID and CSeq of the REGISTER that last wrote it (RFC 3261 §10.3 step 7 ordering). */
  readonly callId: string;
  readonly cseq: number;
  readonly source: BindingSource;
  /** Path header values (RFC 3327), outermost first: the Route set towards the contact. */
  readonly path: readonly string[];
  /** `+sip.instance` (RFC 5626 §4.1), as written (`"<urn:uuid:...>"`). */
  readonly instanceId?: string;
  /** `reg-id` (RFC 5626 §4.2). */
  readonly regId?: number;
  readonly userAgent?: string;
  /** When a REGISTER last created or refreshed it (ms): the eviction order. */
  readonly updatedAt: number;
}

/** A set of changes to one AoR, committed all or nothing (RFC 3261 §10.3 step 7). */
export interface BindingChange {
  /** Existing bindings to drop (removed, replaced by a refresh, or evicted). */
  remove: readonly Binding[];
  /** New or refreshed bindings. */
  add: readonly Binding[];
}

/** The location service: bindings per AoR. The memory implementation today, Redis later. */
export interface LocationService {
  /** Live bindings of an AoR, highest q first, most recently refreshed first within a q. */
  lookup(aor: string): Promise<Binding[]>;
  /** `lookup` without a promise, where the bindings are in memory (the registrar's fast path). */
  liveBindings?(aor: string): Binding[];
  /** The live binding of an AoR with this instance-id and reg-id (RFC 5626 §6), if any. */
  findInstance(aor: string, instanceId: string, regId: number): Promise<Binding | undefined>;
  /** Apply a change; rejects (and changes nothing in memory) when the persistent store fails. */
  update(aor: string, change: BindingChange): Promise<void>;
  /** `update` without a promise when the change is complete at once (memory, write-back). */
  commit?(aor: string, change: BindingChange): void | Promise<void>;
  /** Load bindings kept by the store (after a restart); returns how many are live. */
  restore(): Promise<number>;
  /** Number of live bindings. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** The part of the provisioning store the location service writes through to. */
export type BindingStore = Pick<
  ProvisioningStore,
  'saveBinding' | 'removeBinding' | 'writeBindings' | 'loadBindings'
>;
