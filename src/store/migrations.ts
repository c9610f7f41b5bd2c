import type { SqlFlavor } from './flavor.js';

/**
 * The schema, as numbered steps applied in order and recorded in `schema_migrations`.
 * Released steps are never edited: a change is a new step at the end.
 */
export interface Migration {
  version: number;
  name: string;
  statements(types: SqlFlavor['types']): string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'provisioning: domains, subscribers, aliases and numbers',
    statements: (t) => [
      `create table domains (
        name text primary key,
        created_at ${t.time} not null
      )`,
      // The password is never stored: only HA1 per digest algorithm, with realm = domain.
      `create table subscribers (
        domain text not null references domains (name),
        username text not null,
        display_name text,
        enabled ${t.flag} not null,
        ha1_md5 text not null,
        ha1_sha256 text not null,
        created_at ${t.time} not null,
        primary key (domain, username)
      )`,
      `create table aliases (
        domain text not null,
        alias text not null,
        username text not null,
        kind text not null check (kind in ('number', 'alias')),
        created_at ${t.time} not null,
        primary key (domain, alias),
        foreign key (domain, username) references subscribers (domain, username) on delete cascade
      )`,
      // A number (DID) routes to one subscriber platform-wide, whatever its domain.
      `create unique index aliases_number on aliases (alias) where kind = 'number'`,
      `create index aliases_subscriber on aliases (domain, username)`,
    ],
  },
  {
    version: 2,
    name: 'location: registered contacts (bindings)',
    statements: (t) => [
      `create table bindings (
        aor text not null,
        contact text not null,
        expires_at ${t.time} not null,
        q ${t.real} not null,
        call_id text not null,
        cseq integer not null,
        source_protocol text not null,
        source_address text not null,
        source_port integer not null,
        path text not null,
        instance_id text,
        reg_id integer,
        user_agent text,
        primary key (aor, contact)
      )`,
      `create index bindings_expires_at on bindings (expires_at)`,
    ],
  },
  {
    version: 3,
    name: 'recordings: index, per-subscriber policies; API keys',
    statements: (t) => [
      // The files live in the data directory; this is their index. `document` is the recording's
      // JSON (legs, metadata, statistics), the columns are what lists filter and sort on.
      `create table recordings (
        id text primary key,
        call_id text not null,
        source text not null,
        status text not null,
        started_at ${t.time} not null,
        stopped_at ${t.time},
        failure text,
        stored ${t.flag} not null,
        stream_url text,
        directory text,
        document text not null
      )`,
      `create index recordings_call_id on recordings (call_id)`,
      `create index recordings_started_at on recordings (started_at)`,
      `create table recording_policies (
        subscriber text primary key,
        stored ${t.flag} not null,
        stream_url text,
        created_at ${t.time} not null
      )`,
      // Only a SHA-256 of the key's secret part is kept; the key is shown once, when made.
      `create table api_keys (
        id text primary key,
        name text not null,
        secret_sha256 text not null,
        created_at ${t.time} not null
      )`,
    ],
  },
  {
    version: 4,
    name: 'domains: digest algorithms per domain',
    statements: () => [
      // Comma-separated, most preferred first (`SHA-256,MD5`); null follows the node's auth.algorithms.
      `alter table domains add column auth_algorithms text`,
    ],
  },
  {
    version: 5,
    name: 'call features per subscriber, per-domain defaults and numbering plans',
    statements: (t) => [
      // A null column follows the domain's default (subscriber) or the built-in one (domain).
      `create table subscriber_features (
        domain text not null,
        username text not null,
        ${featureColumns(t)},
        updated_at ${t.time} not null,
        primary key (domain, username),
        foreign key (domain, username) references subscribers (domain, username) on delete cascade
      )`,
      `create table domain_features (
        domain text primary key references domains (name) on delete cascade,
        ${featureColumns(t)},
        country_code text,
        national_prefix text,
        international_prefix text,
        area_code text,
        updated_at ${t.time} not null
      )`,
    ],
  },
  {
    version: 6,
    name: 'trunks: carriers, their gateways, least-cost routes',
    statements: (t) => [
      // Lists are comma-separated text (`203.0.113.0/24,198.51.100.7`, `PCMU,PCMA`, `408,5xx`).
      // Passwords are kept as given: the carrier's realm (registration) and the node's challenge
      // realm (inbound) are known only at run time, so no HA1 can be computed in advance.
      `create table trunks (
        name text primary key,
        description text,
        enabled ${t.flag} not null,
        inbound_cidrs text not null,
        inbound_username text,
        inbound_password text,
        inbound_strip integer not null,
        inbound_prefix text not null,
        dispatch text not null check (dispatch in ('priority', 'round-robin', 'weighted', 'hash-call-id', 'fewest-calls')),
        strip_digits integer not null,
        prefix text not null,
        caller_id text,
        no_reply_timeout integer,
        no_answer_timeout integer,
        failover_codes text,
        codecs text not null,
        register_uri text,
        register_username text,
        register_password text,
        register_realm text,
        register_expires integer,
        created_at ${t.time} not null
      )`,
      // Digest credentials name one trunk: the username tells whose password to check.
      `create unique index trunks_inbound_username on trunks (inbound_username) where inbound_username is not null`,
      `create table trunk_gateways (
        id text primary key,
        trunk text not null references trunks (name) on delete cascade,
        uri text not null,
        transport text not null check (transport in ('udp', 'tcp', 'tls')),
        priority integer not null,
        weight integer not null,
        probe ${t.flag} not null,
        enabled ${t.flag} not null,
        created_at ${t.time} not null
      )`,
      `create unique index trunk_gateways_uri on trunk_gateways (trunk, uri)`,
      // time_bands: canonical text joined by ';' ('' = always), so one prefix may go to one trunk
      // at different prices in different bands, but never twice in the same bands.
      `create table lcr_routes (
        id text primary key,
        prefix text not null,
        trunk text not null references trunks (name),
        priority integer not null,
        price ${t.real},
        time_bands text not null,
        enabled ${t.flag} not null,
        description text,
        created_at ${t.time} not null
      )`,
      `create unique index lcr_routes_prefix_trunk on lcr_routes (prefix, trunk, time_bands)`,
      `create index lcr_routes_trunk on lcr_routes (trunk)`,
      // One row: bumped by every write above, polled by nodes to reload their routing tables.
      `create table routing_revision (
        id integer primary key check (id = 1),
        revision integer not null
      )`,
      `insert into routing_revision (id, revision) values (1, 0)`,
    ],
  },
  {
    version: 7,
    name: 'call detail records',
    statements: (t) => [
      // One row per B2BUA call, whatever its outcome; media holds the relay's statistics as JSON.
      `create table cdrs (
        id text primary key,
        caller_call_id text not null,
        callee_call_id text not null,
        caller text not null,
        callee text not null,
        source_trunk text,
        trunk text,
        setup_at ${t.time} not null,
        ringing_at ${t.time},
        answer_at ${t.time},
        end_at ${t.time} not null,
        duration ${t.real} not null,
        billable_seconds integer not null,
        status integer not null,
        cause integer not null,
        hangup text not null,
        disposition text not null,
        media text
      )`,
      `create index cdrs_setup on cdrs (setup_at, id)`,
      `create index cdrs_caller on cdrs (caller, setup_at)`,
      `create index cdrs_callee on cdrs (callee, setup_at)`,
      `create index cdrs_trunk on cdrs (trunk, setup_at)`,
    ],
  },
  {
    version: 8,
    name: 'cdr end reason',
    // The RFC 3326 Reason of a call the node ended (media timeout, session timer, maximum duration).
    statements: () => [`alter table cdrs add column reason text`],
  },
  {
    version: 9,
    name: 'trunks: client certificates and TLS peer names',
    statements: () => [
      // PEM text or an absolute path the node reads when it loads its trunks.
      'alter table trunks add column tls_certificate text',
      'alter table trunks add column tls_key text',
      'alter table trunks add column tls_ca text',
      'alter table trunks add column inbound_tls_name text',
      // A certificate name must name one trunk, as a digest username does.
      'create unique index trunks_inbound_tls_name on trunks (inbound_tls_name) where inbound_tls_name is not null',
    ],
  },
  {
    version: 10,
    name: 'call journal: open records of calls in progress',
    statements: (t) => [
      // One row per B2BUA call in progress, written at setup and answer and deleted once the call's
      // CDR is written: what a node left here when it died becomes an 'interrupted' CDR.
      `create table call_journal (
        id text primary key,
        node text not null,
        run text not null,
        caller_call_id text not null,
        callee_call_id text not null,
        caller text not null,
        callee text not null,
        source_trunk text,
        trunk text,
        setup_at ${t.time} not null,
        ringing_at ${t.time},
        answer_at ${t.time},
        seen_at ${t.time} not null
      )`,
      `create index call_journal_node on call_journal (node, run)`,
      `create index call_journal_seen on call_journal (seen_at)`,
    ],
  },
  {
    version: 11,
    name: 'call policies per subscriber, domain and trunk; the recording a CDR names',
    statements: (t) => [
      // A null column inherits (docs/b2bua-policy.md): the next level, then the node's b2bua.* keys.
      `create table subscriber_call_policies (
        domain text not null,
        username text not null,
        ${callPolicyColumns(t)},
        primary key (domain, username),
        foreign key (domain, username) references subscribers (domain, username) on delete cascade
      )`,
      `create table domain_call_policies (
        domain text primary key references domains (name) on delete cascade,
        ${callPolicyColumns(t)}
      )`,
      `create table trunk_call_policies (
        trunk text primary key references trunks (name) on delete cascade,
        ${callPolicyColumns(t)}
      )`,
      // The recording the recorded-calls policy made of the call (recordings.id), if any.
      `alter table cdrs add column recording_id text`,
    ],
  },
  {
    version: 12,
    name: 'edge bans, kept across restarts and shared by the nodes of one store',
    statements: (t) => [
      // One row per banned source; a lifted ban is deleted, an expired one is ignored and purged.
      `create table bans (
        address text primary key,
        reason text not null check (reason in ('flood', 'scanner', 'auth', 'manual')),
        since ${t.time} not null,
        until ${t.time},
        node text not null
      )`,
      `create index bans_until on bans (until)`,
    ],
  },
  {
    version: 13,
    name: 'call policies: the SRTP of the leg toward a called subscriber, domain or trunk',
    statements: () =>
      ['subscriber_call_policies', 'domain_call_policies', 'trunk_call_policies'].map(
        (table) => `alter table ${table} add column srtp text check (srtp in ('sdes', 'off'))`,
      ),
  },
];

/** What a call policy sets; encoding lists are comma-separated (`PCMA,G722`). */
function callPolicyColumns(t: SqlFlavor['types']): string {
  return `b2bua text check (b2bua in ('always', 'never', 'nat')),
        max_calls integer,
        max_call_rate integer,
        codec_allow text,
        codec_strip text,
        codec_order text,
        ptime integer,
        updated_at ${t.time} not null`;
}

/** The feature settings a subscriber and a domain (as default) both have. */
function featureColumns(t: SqlFlavor['types']): string {
  return `forward_always text,
        forward_busy text,
        forward_no_answer text,
        ring_timeout integer,
        forward_unreachable text,
        bar_incoming text,
        bar_outgoing text,
        reject_anonymous ${t.flag},
        clir ${t.flag},
        max_diversions integer`;
}
