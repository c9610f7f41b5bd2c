import type { DigestAlgorithm } from '../sip/auth/index.js';

/** Provisioning data: the domains a node serves, their subscribers, and numbers/aliases. */

export interface Domain {
  name: string;
  createdAt: Date;
  /**
   * The digest algorithms this domain's subscribers are challenged with, most preferred first
   * (RFC 8760 §2.4); absent when the domain follows the node's `auth.algorithms`.
   */
  authAlgorithms?: DigestAlgorithm[];
}

/** What `addDomain` may set besides the name. */
export interface NewDomainOptions {
  /** Names of digest algorithms (MD5, SHA-256), most preferred first. */
  authAlgorithms?: readonly string[];
}

/** What `updateDomain` changes; a field left out stays as it is. */
export interface DomainChanges {
  /** Names of digest algorithms, most preferred first; null goes back to the node's default. */
  authAlgorithms?: readonly string[] | null;
}

/** Digest HA1 values (RFC 7616 §3.4.2): the password itself is never stored. */
export interface DigestSecrets {
  /** MD5(username:realm:password), hex. */
  ha1Md5: string;
  /** SHA-256(username:realm:password), hex. */
  ha1Sha256: string;
}

export interface Subscriber extends DigestSecrets {
  username: string;
  domain: string;
  displayName?: string;
  enabled: boolean;
  createdAt: Date;
}

/** An E.164 number (DID) or alias that points at a subscriber. */
export interface AddressAlias {
  /** `+14155550100` for numbers, a user part for aliases. */
  alias: string;
  /** The domain the alias lives in (numbers: any domain the subscriber is in). */
  domain: string;
  username: string;
  kind: 'number' | 'alias';
}

/** A registered contact kept in the store so bindings survive a restart (location service). */
export interface StoredBinding {
  aor: string;
  contact: string;
  expiresAt: Date;
  q: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from: protocol, address, port (NAT-aware routing). */
  source: { protocol: string; address: string; port: number };
  path: string[];
  instanceId?: string;
  regId?: number;
  userAgent?: string;
}

export interface NewSubscriber {
  username: string;
  domain: string;
  password: string;
  displayName?: string;
  enabled?: boolean;
}

export interface ImportProgress {
  done: number;
  total: number;
}

/** One repository for provisioning; SQLite (embedded default) and PostgreSQL implement it. */
export interface ProvisioningStore {
  addDomain(name: string, options?: NewDomainOptions): Promise<Domain>;
  /** Refuses (NotFoundError) when the domain does not exist. */
  updateDomain(name: string, changes: DomainChanges): Promise<Domain>;
  listDomains(): Promise<Domain[]>;
  /** Refuses (ConflictError) while the domain has subscribers, unless `options.cascade`. */
  removeDomain(name: string, options?: RemoveDomainOptions): Promise<boolean>;
  hasDomain(name: string): Promise<boolean>;

  addSubscriber(subscriber: NewSubscriber): Promise<Subscriber>;
  /**
   * Synchronous where the backend reads synchronously (the embedded SQLite), so that a digest
   * check costs no promise; callers await it either way.
   */
  getSubscriber(username: string, domain: string): Subscriber | undefined | Promise<Subscriber | undefined>;
  listSubscribers(domain?: string): Promise<Subscriber[]>;
  removeSubscriber(username: string, domain: string): Promise<boolean>;
  setPassword(username: string, domain: string, password: string): Promise<boolean>;
  /** Bulk insert in one transaction; reports progress every few hundred rows. */
  importSubscribers(rows: NewSubscriber[], onProgress?: (p: ImportProgress) => void): Promise<number>;

  addAlias(alias: AddressAlias): Promise<AddressAlias>;
  listAliases(domain?: string): Promise<AddressAlias[]>;
  removeAlias(alias: string, domain: string): Promise<boolean>;
  /** The subscriber a user part or number in a domain names (username, alias or DID). */
  resolveUser(user: string, domain: string): Promise<Subscriber | undefined>;

  saveBinding(binding: StoredBinding): Promise<void>;
  removeBinding(aor: string, contact: string): Promise<void>;
  removeBindings(aor: string): Promise<void>;
  /** Several binding writes in one transaction (the location service's write-back flush). */
  writeBindings(changes: BindingWrites): Promise<void>;
  loadBindings(): Promise<StoredBinding[]>;

  close(): Promise<void>;
}

export interface BindingWrites {
  save: readonly StoredBinding[];
  remove: ReadonlyArray<{ aor: string; contact: string }>;
}

export interface RemoveDomainOptions {
  /** Remove the domain's subscribers (and their aliases and numbers) with it; otherwise refuse. */
  cascade?: boolean;
}

/** A recording in the index (the files are in `directory`); `document` is the recording's JSON. */
export interface StoredRecording {
  id: string;
  callId: string;
  source: string;
  status: string;
  startedAt: Date;
  stoppedAt?: Date;
  failure?: string;
  stored: boolean;
  streamUrl?: string;
  directory?: string;
  document: string;
}

export interface RecordingIndexFilter {
  status?: string;
  callId?: string;
  /** Only recordings started before this time (retention sweeps). */
  startedBefore?: Date;
  limit?: number;
  offset?: number;
}

export interface StoredRecordingPolicy {
  /** AoR, user@domain. */
  subscriber: string;
  stored: boolean;
  streamUrl?: string;
  createdAt: Date;
}

/** The index of recordings and the per-subscriber recording policies. */
export interface RecordingIndex {
  /** Insert or replace by id. */
  saveRecording(recording: StoredRecording): Promise<void>;
  getRecording(id: string): Promise<StoredRecording | undefined>;
  /** Newest first. */
  listRecordings(filter?: RecordingIndexFilter): Promise<StoredRecording[]>;
  removeRecording(id: string): Promise<boolean>;
  listRecordingPolicies(): Promise<StoredRecordingPolicy[]>;
  getRecordingPolicy(subscriber: string): Promise<StoredRecordingPolicy | undefined>;
  /** Insert or replace by subscriber (the creation time of a replaced policy is kept). */
  saveRecordingPolicy(policy: StoredRecordingPolicy): Promise<void>;
  removeRecordingPolicy(subscriber: string): Promise<boolean>;
}

export interface ApiKey {
  id: string;
  name: string;
  createdAt: Date;
}

/** A key as made: `key` is shown once and never stored. */
export interface NewApiKey extends ApiKey {
  key: string;
}

/** A ban of a source address as the store keeps it (the edge's `Ban` without its counters). */
export interface StoredBan {
  address: string;
  reason: 'flood' | 'scanner' | 'auth' | 'manual';
  since: Date;
  /** Undefined: until lifted. */
  until?: Date;
  /** The node that banned it. */
  node: string;
}

/**
 * Bans kept across restarts and shared by the nodes of one store (issue 11): each node writes its
 * bans and lifts, and reads the others' by polling `liveBans`.
 */
export interface BanRepository {
  /** Insert or replace the ban of its address. */
  saveBan(ban: StoredBan): Promise<void>;
  /** Delete the ban of an address; false when there was none. */
  removeBan(address: string): Promise<boolean>;
  /** Bans not expired at `now`, oldest first. */
  liveBans(now: Date): Promise<StoredBan[]>;
  /** Delete bans that ended before `now`; returns how many. */
  purgeExpiredBans(now: Date): Promise<number>;
}

export interface ApiKeyRepository {
  createApiKey(name: string): Promise<NewApiKey>;
  listApiKeys(): Promise<ApiKey[]>;
  removeApiKey(id: string): Promise<boolean>;
  /** The key's record when `key` is a valid key, else undefined. */
  verifyApiKey(key: string): Promise<ApiKey | undefined>;
}
