import type { ColumnType } from 'kysely';

/**
 * The tables as Kysely sees them. Times and flags have a type per backend: PostgreSQL has
 * timestamptz and boolean, SQLite stores epoch milliseconds and 0/1 (see flavor.ts).
 */
export type Timestamp = ColumnType<Date | number | string, Date | number, Date | number>;
export type Flag = ColumnType<boolean | number, boolean | number, boolean | number>;

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Timestamp;
}

export interface DomainsTable {
  name: string;
  created_at: Timestamp;
  /** `SHA-256,MD5`: the digest challenges of this domain, in order; null for the node's default. */
  auth_algorithms: string | null;
}

export interface SubscribersTable {
  domain: string;
  username: string;
  display_name: string | null;
  enabled: Flag;
  ha1_md5: string;
  ha1_sha256: string;
  created_at: Timestamp;
}

export interface AliasesTable {
  domain: string;
  alias: string;
  username: string;
  kind: 'number' | 'alias';
  created_at: Timestamp;
}

export interface BindingsTable {
  aor: string;
  contact: string;
  expires_at: Timestamp;
  q: number;
  call_id: string;
  cseq: number;
  source_protocol: string;
  source_address: string;
  source_port: number;
  /** JSON array of Path header values (RFC 3327). */
  path: string;
  instance_id: string | null;
  reg_id: number | null;
  user_agent: string | null;
}

export interface RecordingsTable {
  id: string;
  call_id: string;
  source: string;
  status: string;
  started_at: Timestamp;
  stopped_at: Timestamp | null;
  failure: string | null;
  stored: Flag;
  stream_url: string | null;
  directory: string | null;
  /** JSON: legs, metadata, statistics. */
  document: string;
}

export interface RecordingPoliciesTable {
  subscriber: string;
  stored: Flag;
  stream_url: string | null;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  secret_sha256: string;
  created_at: Timestamp;
}

/** Feature settings; null follows the domain default (or, on a domain, the built-in one). */
export interface FeatureColumns {
  forward_always: string | null;
  forward_busy: string | null;
  forward_no_answer: string | null;
  /** Seconds. */
  ring_timeout: number | null;
  forward_unreachable: string | null;
  /** JSON array of number patterns. */
  bar_incoming: string | null;
  bar_outgoing: string | null;
  reject_anonymous: Flag | null;
  clir: Flag | null;
  max_diversions: number | null;
  updated_at: Timestamp;
}

export interface SubscriberFeaturesTable extends FeatureColumns {
  domain: string;
  username: string;
}

export interface DomainFeaturesTable extends FeatureColumns {
  domain: string;
  country_code: string | null;
  national_prefix: string | null;
  international_prefix: string | null;
  area_code: string | null;
}

export interface TrunksTable {
  name: string;
  description: string | null;
  enabled: Flag;
  /** Comma-separated CIDRs. */
  inbound_cidrs: string;
  inbound_username: string | null;
  inbound_password: string | null;
  inbound_strip: number;
  inbound_prefix: string;
  dispatch: string;
  strip_digits: number;
  prefix: string;
  caller_id: string | null;
  no_reply_timeout: number | null;
  no_answer_timeout: number | null;
  /** Comma-separated: `408,5xx`; null for the node's default. */
  failover_codes: string | null;
  /** Comma-separated, most preferred first. */
  codecs: string;
  register_uri: string | null;
  register_username: string | null;
  register_password: string | null;
  register_realm: string | null;
  register_expires: number | null;
  created_at: Timestamp;
  /** PEM text or an absolute path (migration 9). */
  tls_certificate: string | null;
  tls_key: string | null;
  tls_ca: string | null;
  inbound_tls_name: string | null;
}

export interface TrunkGatewaysTable {
  id: string;
  trunk: string;
  uri: string;
  transport: string;
  priority: number;
  weight: number;
  probe: Flag;
  enabled: Flag;
  created_at: Timestamp;
}

export interface LcrRoutesTable {
  id: string;
  prefix: string;
  trunk: string;
  priority: number;
  price: number | null;
  /** Canonical time bands joined by ';'; '' = always. */
  time_bands: string;
  enabled: Flag;
  description: string | null;
  created_at: Timestamp;
}

export interface RoutingRevisionTable {
  id: number;
  revision: number;
}

export interface CdrsTable {
  id: string;
  caller_call_id: string;
  callee_call_id: string;
  caller: string;
  callee: string;
  source_trunk: string | null;
  trunk: string | null;
  setup_at: Timestamp;
  ringing_at: Timestamp | null;
  answer_at: Timestamp | null;
  end_at: Timestamp;
  duration: number;
  billable_seconds: number;
  status: number;
  cause: number;
  hangup: string;
  disposition: string;
  /** JSON: the media relay's statistics of the call. */
  media: string | null;
  /** RFC 3326 Reason of a call the node ended. */
  reason: string | null;
  /** The recording made of the call (recordings.id). */
  recording_id: string | null;
}

/** A call policy's settings; null inherits. Encoding lists comma-separated. */
export interface CallPolicyColumns {
  b2bua: string | null;
  max_calls: number | null;
  max_call_rate: number | null;
  codec_allow: string | null;
  codec_strip: string | null;
  codec_order: string | null;
  ptime: number | null;
  srtp: string | null;
  updated_at: Timestamp;
}

export interface SubscriberCallPoliciesTable extends CallPolicyColumns {
  domain: string;
  username: string;
}

export interface DomainCallPoliciesTable extends CallPolicyColumns {
  domain: string;
}

export interface TrunkCallPoliciesTable extends CallPolicyColumns {
  trunk: string;
}

export interface CallJournalTable {
  id: string;
  /** The node that holds the call, and its run (a new one each start). */
  node: string;
  run: string;
  caller_call_id: string;
  callee_call_id: string;
  caller: string;
  callee: string;
  source_trunk: string | null;
  trunk: string | null;
  setup_at: Timestamp;
  ringing_at: Timestamp | null;
  answer_at: Timestamp | null;
  /** The last time the node was known to hold the call (setup, answer, heartbeat). */
  seen_at: Timestamp;
}

/** A banned source address (edge protection); until null: until lifted. */
export interface BansTable {
  address: string;
  reason: string;
  since: Timestamp;
  until: Timestamp | null;
  /** The node that banned it (its SIP listen address:port), for operators. */
  node: string;
}

export interface StoreSchema {
  schema_migrations: SchemaMigrationsTable;
  domains: DomainsTable;
  subscribers: SubscribersTable;
  aliases: AliasesTable;
  bindings: BindingsTable;
  recordings: RecordingsTable;
  recording_policies: RecordingPoliciesTable;
  api_keys: ApiKeysTable;
  bans: BansTable;
  subscriber_features: SubscriberFeaturesTable;
  domain_features: DomainFeaturesTable;
  trunks: TrunksTable;
  trunk_gateways: TrunkGatewaysTable;
  lcr_routes: LcrRoutesTable;
  routing_revision: RoutingRevisionTable;
  cdrs: CdrsTable;
  call_journal: CallJournalTable;
  subscriber_call_policies: SubscriberCallPoliciesTable;
  domain_call_policies: DomainCallPoliciesTable;
  trunk_call_policies: TrunkCallPoliciesTable;
}
