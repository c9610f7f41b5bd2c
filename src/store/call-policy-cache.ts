import type {
  CallPolicies,
  CallPolicy,
  CallPolicyKeys,
  CallPolicyRepository,
  CallPolicyScope,
  StoredCallPolicy,
} from './call-policy-types.js';

/** How long a party's policies, or their absence, are trusted without asking the database (ms). */
export const CALL_POLICY_TTL_MS = 2000;
/** Parties remembered at most; past it the oldest go first. */
const MAX_PARTIES = 50_000;

export interface CallPolicyCacheOptions {
  ttlMs?: number;
  maxParties?: number;
  now?: () => number;
  /**
   * A number that changes when another process may have changed the policies (SQLite's
   * `PRAGMA data_version`): a change empties the cache at once instead of after `ttlMs`.
   */
  version?: () => number;
}

interface Remembered {
  at: number;
  /** The store's answer for this one party (its map key there, and the policy), or none. */
  policy?: { key: string; value: CallPolicy };
}

type Recording = { store: boolean; streamUrl?: string };

/**
 * The store's call policies, remembered per party so that a call costs no database look-up while
 * its parties' policies are known (the B2BUA asks once per call). A change written through this
 * node's store empties the cache at once (`clear`: call and recording policies); a change another
 * process made (the CLI beside a node, another node on the same PostgreSQL) shows within `ttlMs`,
 * or at once where `version` reveals it (SQLite). There is no cross-node notification: the event
 * bus is in-process, so a node sharing PostgreSQL applies another node's change after the TTL.
 */
export class CachedCallPolicies implements CallPolicyRepository {
  private readonly parties = new Map<string, Remembered>();
  private readonly recordingsOf = new Map<
    string,
    { at: number; value?: { key: string; value: Recording } }
  >();
  private readonly ttlMs: number;
  private readonly maxParties: number;
  private readonly now: () => number;
  private seenVersion: number | undefined;
  /** Bumped by `clear`: a look-up that overlapped a change is not remembered. */
  private generation = 0;

  constructor(
    private readonly inner: CallPolicyRepository,
    private readonly options: CallPolicyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? CALL_POLICY_TTL_MS;
    this.maxParties = options.maxParties ?? MAX_PARTIES;
    this.now = options.now ?? Date.now;
  }

  /** Forget everything (a policy changed). */
  clear(): void {
    this.generation++;
    this.parties.clear();
    this.recordingsOf.clear();
  }

  getCallPolicy(scope: CallPolicyScope, name: string): Promise<StoredCallPolicy | undefined> {
    return this.inner.getCallPolicy(scope, name);
  }

  async putCallPolicy(scope: CallPolicyScope, name: string, policy: CallPolicy): Promise<StoredCallPolicy> {
    try {
      return await this.inner.putCallPolicy(scope, name, policy);
    } finally {
      this.clear();
    }
  }

  async removeCallPolicy(scope: CallPolicyScope, name: string): Promise<boolean> {
    try {
      return await this.inner.removeCallPolicy(scope, name);
    } finally {
      this.clear();
    }
  }

  listCallPolicies(scope?: CallPolicyScope): Promise<StoredCallPolicy[]> {
    return this.inner.listCallPolicies(scope);
  }

  hasCallPolicies(): Promise<boolean> {
    return this.inner.hasCallPolicies();
  }

  async callPolicies(keys: CallPolicyKeys): Promise<CallPolicies> {
    this.checkVersion();
    const now = this.now();
    const fresh = (entry: { at: number } | undefined) => entry !== undefined && now - entry.at < this.ttlMs;
    const missing: { subscribers: string[]; domains: string[]; trunks: string[] } = {
      subscribers: keys.subscribers.filter(
        (n) => !fresh(this.parties.get(`s:${n}`)) || !fresh(this.recordingsOf.get(n)),
      ),
      domains: keys.domains.filter((n) => !fresh(this.parties.get(`d:${n}`))),
      trunks: keys.trunks.filter((n) => !fresh(this.parties.get(`t:${n}`))),
    };
    if (missing.subscribers.length + missing.domains.length + missing.trunks.length > 0) {
      const generation = this.generation;
      const found = await this.inner.callPolicies(missing);
      // A policy changed meanwhile: what was found may predate it, and the rest was forgotten.
      if (generation !== this.generation) return this.inner.callPolicies(keys);
      const at = this.now();
      // Each name under the key the store's answer uses for it (domains lower-cased).
      for (const name of missing.subscribers) {
        const at1 = name.lastIndexOf('@');
        const key = at1 < 1 ? name : `${name.slice(0, at1)}@${name.slice(at1 + 1).toLowerCase()}`;
        this.remember(`s:${name}`, at, key, found.subscribers.get(key));
        const rkey = name.toLowerCase();
        const recording = found.recordings.get(rkey);
        this.recordingsOf.set(name, recording ? { at, value: { key: rkey, value: recording } } : { at });
      }
      for (const name of missing.domains) {
        const key = name.toLowerCase();
        this.remember(`d:${name}`, at, key, found.domains.get(key));
      }
      for (const name of missing.trunks) this.remember(`t:${name}`, at, name, found.trunks.get(name));
    }
    return this.answer(keys);
  }

  private answer(keys: CallPolicyKeys): CallPolicies {
    const out: CallPolicies = {
      subscribers: new Map(),
      domains: new Map(),
      trunks: new Map(),
      recordings: new Map(),
    };
    for (const name of keys.subscribers) {
      const policy = this.parties.get(`s:${name}`)?.policy;
      if (policy) out.subscribers.set(policy.key, policy.value);
      const recording = this.recordingsOf.get(name)?.value;
      if (recording) out.recordings.set(recording.key, recording.value);
    }
    for (const name of keys.domains) {
      const policy = this.parties.get(`d:${name}`)?.policy;
      if (policy) out.domains.set(policy.key, policy.value);
    }
    for (const name of keys.trunks) {
      const policy = this.parties.get(`t:${name}`)?.policy;
      if (policy) out.trunks.set(policy.key, policy.value);
    }
    return out;
  }

  private remember(id: string, at: number, key: string, value: CallPolicy | undefined): void {
    this.parties.delete(id);
    this.parties.set(id, value ? { at, policy: { key, value } } : { at });
    if (this.parties.size > this.maxParties) {
      const oldest = this.parties.keys().next().value;
      if (oldest !== undefined) this.parties.delete(oldest);
    }
    if (this.recordingsOf.size > this.maxParties) {
      const oldest = this.recordingsOf.keys().next().value;
      if (oldest !== undefined) this.recordingsOf.delete(oldest);
    }
  }

  private checkVersion(): void {
    if (!this.options.version) return;
    const version = this.options.version();
    if (version !== this.seenVersion) {
      this.clear();
      this.seenVersion = version;
    }
  }
}
