/**
 * Call policies: what the B2BUA does with the calls of one subscriber, domain or trunk — whether
 * it takes them (b2bua), how many it admits (maxCalls, maxCallRate), which codecs their SDP
 * may carry and whether the leg toward them is SRTP (srtp). A setting left out inherits (docs/b2bua-policy.md gives the precedence).
 */

/** Whether the B2BUA takes an entity's calls: always, never, or when the phone is behind NAT. */
export const B2BUA_CHOICES = ['always', 'never', 'nat'] as const;
export type B2buaChoice = (typeof B2BUA_CHOICES)[number];

/**
 * The media the B2BUA offers the entity when it is called: `sdes`, RTP/SAVP keyed by the relay's
 * own a=crypto (RFC 4568); `off`, plain RTP/AVP (the relay terminates a caller's SRTP).
 */
export const SRTP_CHOICES = ['sdes', 'off'] as const;
export type SrtpChoice = (typeof SRTP_CHOICES)[number];

/** The entities a call policy belongs to. */
export const CALL_POLICY_SCOPES = ['subscriber', 'domain', 'trunk'] as const;
export type CallPolicyScope = (typeof CALL_POLICY_SCOPES)[number];

/** Codec filtering and ordering of the SDP the entity's side receives; telephone-event is always kept. */
export interface CodecRules {
  /** Only these encodings (`PCMA`, `opus`), case-insensitive. */
  allow?: string[];
  /** Remove these encodings. */
  strip?: string[];
  /** Put these first, in this order; the rest keep their order after them. */
  order?: string[];
  /** Preferred packetisation time in ms (a=ptime, RFC 4566 §6). */
  ptime?: number;
}

export interface CallPolicy {
  /** Absent: inherit (the next level, then `b2bua.mode`). */
  b2bua?: B2buaChoice;
  /** Calls in progress at once; 0 is no limit; absent: the node's `b2bua.maxCallsPer*`. */
  maxCalls?: number;
  /** New calls per second; 0 is no limit; absent: the node's `b2bua.maxCallRate`. */
  maxCallRate?: number;
  codecs?: CodecRules;
  /** The callee leg's SRTP when the entity is called; absent: inherit (in the end plain RTP/AVP). */
  srtp?: SrtpChoice;
}

export interface StoredCallPolicy {
  scope: CallPolicyScope;
  /** `user@domain`, a domain name, or a trunk name. */
  name: string;
  policy: CallPolicy;
  updatedAt: Date;
}

/** The parties of one call whose policies apply, as the routing stages found them. */
export interface CallPolicyKeys {
  /** AoRs, `user@domain`. */
  subscribers: readonly string[];
  domains: readonly string[];
  trunks: readonly string[];
}

/** Policies found for a call's parties, by name (a party without one is absent). */
export interface CallPolicies {
  subscribers: Map<string, CallPolicy>;
  domains: Map<string, CallPolicy>;
  trunks: Map<string, CallPolicy>;
  /** The parties' recording policies (AoR → policy), for the recorded-calls rule. */
  recordings: Map<string, { store: boolean; streamUrl?: string }>;
}

export interface CallPolicyRepository {
  getCallPolicy(scope: CallPolicyScope, name: string): Promise<StoredCallPolicy | undefined>;
  /** Replaces the whole policy (PUT); NotFoundError when the subscriber, domain or trunk does not exist. */
  putCallPolicy(scope: CallPolicyScope, name: string, policy: CallPolicy): Promise<StoredCallPolicy>;
  removeCallPolicy(scope: CallPolicyScope, name: string): Promise<boolean>;
  listCallPolicies(scope?: CallPolicyScope): Promise<StoredCallPolicy[]>;
  /** Everything that applies to one call, in one go; takes anything (it is fed from the network). */
  callPolicies(keys: CallPolicyKeys): Promise<CallPolicies>;
  /** Whether any call or recording policy exists (a node with `b2bua.mode off` and none skips the look-ups). */
  hasCallPolicies(): Promise<boolean>;
}
