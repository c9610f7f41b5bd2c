import {
  B2BUA_MODES,
  DIGEST_ALGORITHMS,
  LOCATION_PERSISTENCE,
  LOG_LEVELS,
  MEDIA_RELAYS,
  PROXY_MODES,
  RECORDING_RECEIVERS,
  SIP_TRANSPORTS,
  TLS_CLIENT_CERTIFICATES,
  TLS_ENGINES,
} from './types.js';
import {
  bearerToken,
  boolean,
  cidr,
  dialledNumber,
  domain,
  dscp,
  failoverCodes,
  host,
  hostPort,
  integer,
  ipAddress,
  list,
  nonceSecret,
  nonEmptyString,
  oneOf,
  pemFile,
  realm,
  sessionInterval,
  sipUri,
  storeUrl,
  timeZone,
  userAgentPattern,
  type Validator,
  xHeaderName,
} from './validators.js';

/** How a value written as text (environment, flags) becomes a JSON-like value before validation. */
export type TextKind = 'string' | 'integer' | 'boolean' | 'list';

/**
 * One configuration key. This table is the single source for the file schema, the environment
 * names, the CLI flags, validation and docs/configuration.md, so they cannot drift apart.
 */
export interface KeySpec {
  /** Dotted path in SwitchboardConfig and in the JSON file. */
  key: string;
  env: string;
  /** Long flag, e.g. `--sip-port`; list flags may be repeated. */
  flag?: string;
  /** Placeholder shown in --help, e.g. `<port>`. */
  flagArg?: string;
  text: TextKind;
  validate: Validator<unknown>;
  /** May be absent from the effective config (no default). */
  optional?: boolean;
  /** A credential: `config show` prints it redacted. */
  secret?: boolean;
  description: string;
}

export const KEYS: readonly KeySpec[] = [
  {
    key: 'dataDir',
    env: 'SWITCHBOARD_DATA_DIR',
    flag: '--data-dir',
    flagArg: '<dir>',
    text: 'string',
    validate: nonEmptyString('a directory path'),
    description:
      'Directory for the node state (SQLite database, recordings); relative to the working directory.',
  },
  {
    key: 'logLevel',
    env: 'SWITCHBOARD_LOG_LEVEL',
    flag: '--log-level',
    flagArg: '<level>',
    text: 'string',
    validate: oneOf(LOG_LEVELS),
    description: `Least severe log level written to stdout: ${LOG_LEVELS.join('|')}.`,
  },
  {
    key: 'sip.port',
    env: 'SWITCHBOARD_SIP_PORT',
    flag: '--sip-port',
    flagArg: '<port>',
    text: 'integer',
    validate: integer(1, 65535),
    description: 'SIP port for every transport and listen address.',
  },
  {
    key: 'sip.listen',
    env: 'SWITCHBOARD_SIP_LISTEN',
    flag: '--sip-listen',
    flagArg: '<addresses>',
    text: 'list',
    validate: list(ipAddress, { nonEmpty: true }),
    description: 'IP addresses to listen on (comma-separated); 0.0.0.0 and :: mean every address.',
  },
  {
    key: 'sip.transports',
    env: 'SWITCHBOARD_SIP_TRANSPORTS',
    flag: '--sip-transports',
    flagArg: '<list>',
    text: 'list',
    validate: list(oneOf(SIP_TRANSPORTS), { nonEmpty: true }),
    description: `SIP transports to listen on (comma-separated subset of ${SIP_TRANSPORTS.join(',')}).`,
  },
  {
    key: 'tls.port',
    env: 'SWITCHBOARD_TLS_PORT',
    flag: '--tls-port',
    flagArg: '<port>',
    text: 'integer',
    validate: integer(1, 65535),
    description: 'SIP over TLS port (sips:), when sip.transports has tls.',
  },
  {
    key: 'tls.certificate',
    env: 'SWITCHBOARD_TLS_CERTIFICATE',
    flag: '--tls-certificate',
    flagArg: '<file>',
    text: 'string',
    validate: pemFile('a PEM certificate file path'),
    optional: true,
    description: 'PEM certificate chain for TLS and WSS; without it a self-signed pair is made in dataDir.',
  },
  {
    key: 'tls.key',
    env: 'SWITCHBOARD_TLS_KEY',
    flag: '--tls-key',
    flagArg: '<file>',
    text: 'string',
    validate: pemFile('a PEM private key file path'),
    optional: true,
    description: 'PEM private key of tls.certificate.',
  },
  {
    key: 'tls.ca',
    env: 'SWITCHBOARD_TLS_CA',
    text: 'string',
    validate: pemFile('a PEM CA certificate file path'),
    optional: true,
    description: 'PEM CA certificates that peer certificates are verified against (default: Node roots).',
  },
  {
    key: 'tls.clientCertificates',
    env: 'SWITCHBOARD_TLS_CLIENT_CERTIFICATES',
    text: 'string',
    validate: oneOf(TLS_CLIENT_CERTIFICATES),
    description: `Client certificates on TLS listeners: ${TLS_CLIENT_CERTIFICATES.join('|')}.`,
  },
  {
    key: 'tls.verifyServer',
    env: 'SWITCHBOARD_TLS_VERIFY_SERVER',
    text: 'boolean',
    validate: boolean,
    description: 'Verify the certificates of servers the node opens TLS connections to.',
  },
  {
    key: 'tls.engine',
    env: 'SWITCHBOARD_TLS_ENGINE',
    text: 'string',
    validate: oneOf(TLS_ENGINES),
    description: `Server side of the TLS and WSS listeners: ${TLS_ENGINES.join('|')}.`,
  },
  {
    key: 'ws.port',
    env: 'SWITCHBOARD_WS_PORT',
    flag: '--ws-port',
    flagArg: '<port>',
    text: 'integer',
    validate: integer(1, 65535),
    description: 'SIP over WebSocket port (RFC 7118), when sip.transports has ws.',
  },
  {
    key: 'wss.port',
    env: 'SWITCHBOARD_WSS_PORT',
    flag: '--wss-port',
    flagArg: '<port>',
    text: 'integer',
    validate: integer(1, 65535),
    description: 'SIP over secure WebSocket port (RFC 7118), when sip.transports has wss.',
  },
  {
    key: 'sip.websocketOnApiPort',
    env: 'SWITCHBOARD_SIP_WEBSOCKET_ON_API_PORT',
    text: 'boolean',
    validate: boolean,
    description:
      "SIP over WebSocket on the API's port too (RFC 7118 §4: upgrades offering the sip subprotocol), besides ws.port and wss.port; needs api.enabled.",
  },
  {
    key: 'sip.advertisedAddress',
    env: 'SWITCHBOARD_SIP_ADVERTISED_ADDRESS',
    flag: '--sip-advertised-address',
    flagArg: '<host>',
    text: 'string',
    validate: host,
    optional: true,
    description:
      'Host put in Via and Record-Route when listening on a wildcard address (default: the primary interface address).',
  },
  {
    key: 'sip.maxMessageSize',
    env: 'SWITCHBOARD_SIP_MAX_MESSAGE_SIZE',
    text: 'integer',
    validate: integer(1024, 1_048_576),
    description: 'Largest SIP message accepted, in bytes; bigger ones are answered 513 or dropped.',
  },
  {
    key: 'sip.maxConnectionsPerSource',
    env: 'SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE',
    text: 'integer',
    validate: integer(1, 10_000),
    description:
      'Sockets one source address may hold on each TCP, TLS, WS and WSS listener, handshakes included; more are closed at once.',
  },
  {
    key: 'sip.udpBatching',
    env: 'SWITCHBOARD_SIP_UDP_BATCHING',
    text: 'boolean',
    validate: boolean,
    description:
      'SIP over UDP through the native batched module (recvmmsg in, sendmmsg once per event-loop turn; about half the CPU per datagram) when npm install built it; false: node:dgram.',
  },
  {
    key: 'sip.timers.t1',
    env: 'SWITCHBOARD_SIP_TIMERS_T1',
    text: 'integer',
    validate: integer(1, 60_000),
    description: 'RFC 3261 T1, the round-trip estimate that paces retransmissions, in ms.',
  },
  {
    key: 'sip.timers.t2',
    env: 'SWITCHBOARD_SIP_TIMERS_T2',
    text: 'integer',
    validate: integer(1, 600_000),
    description:
      'RFC 3261 T2, the longest retransmit interval for non-INVITE requests and INVITE responses, in ms (at least T1).',
  },
  {
    key: 'sip.timers.t4',
    env: 'SWITCHBOARD_SIP_TIMERS_T4',
    text: 'integer',
    validate: integer(1, 600_000),
    description: 'RFC 3261 T4, how long a message may stay in the network, in ms.',
  },
  {
    key: 'sip.timerC',
    env: 'SWITCHBOARD_SIP_TIMER_C',
    text: 'integer',
    validate: integer(1000, 86_400_000),
    description:
      'Proxy INVITE Timer C (RFC 3261 §16.6): a branch with no final answer is cancelled after it, in ms.',
  },
  {
    key: 'proxy.defaultRoute',
    env: 'SWITCHBOARD_PROXY_DEFAULT_ROUTE',
    flag: '--default-route',
    flagArg: '<uri>',
    text: 'string',
    validate: sipUri,
    optional: true,
    description: 'Outbound proxy: every request without a Route header is sent to this sip:/sips: URI.',
  },
  {
    key: 'proxy.mode',
    env: 'SWITCHBOARD_PROXY_MODE',
    flag: '--proxy-mode',
    flagArg: '<mode>',
    text: 'string',
    validate: oneOf(PROXY_MODES),
    description: `Proxy behaviour: ${PROXY_MODES.join('|')} (stateful forks and retransmits; stateless only forwards).`,
  },
  {
    key: 'proxy.recordRoute',
    env: 'SWITCHBOARD_PROXY_RECORD_ROUTE',
    text: 'boolean',
    validate: boolean,
    description: 'Insert Record-Route so in-dialog requests keep passing through this node.',
  },
  {
    key: 'proxy.domains',
    env: 'SWITCHBOARD_PROXY_DOMAINS',
    flag: '--domain',
    flagArg: '<domain>',
    text: 'list',
    validate: list(domain, { nonEmpty: false }),
    description:
      'Domains this node is responsible for (repeatable, or comma-separated); empty means only its own addresses.',
  },
  {
    key: 'store.url',
    env: 'SWITCHBOARD_STORE_URL',
    flag: '--store-url',
    flagArg: '<url>',
    text: 'string',
    validate: storeUrl,
    optional: true,
    description:
      'Provisioning database: unset or empty is the SQLite file switchboard.db in dataDir; postgres://user@host:5432/db is PostgreSQL.',
  },
  {
    key: 'auth.algorithms',
    env: 'SWITCHBOARD_AUTH_ALGORITHMS',
    text: 'list',
    validate: list(oneOf(DIGEST_ALGORITHMS), { nonEmpty: true }),
    description:
      'Digest challenges offered, in this order (RFC 8760), for domains that do not choose their own (switchboard domain set NAME --auth-algorithms SHA-256,MD5): MD5 and/or SHA-256. MD5 by default, as Kamailio, Asterisk and FreeSWITCH do: SIPp 3.6 and baresip 1.0 answer only MD5, and baresip refuses a challenge set that contains SHA-256 at all.',
  },
  {
    key: 'auth.nonceLifetime',
    env: 'SWITCHBOARD_AUTH_NONCE_LIFETIME',
    text: 'integer',
    validate: integer(1, 86_400),
    description: 'Seconds a digest nonce stays valid; a correct answer to an older one gets stale=true.',
  },
  {
    key: 'auth.credentialCacheTtl',
    env: 'SWITCHBOARD_AUTH_CREDENTIAL_CACHE_TTL',
    text: 'integer',
    validate: integer(0, 3600),
    description:
      "Seconds a subscriber's credentials are kept in memory between store reads (0 = read on every request); a password changed by the CLI takes effect within this time.",
  },
  {
    key: 'auth.nonceSecret',
    env: 'SWITCHBOARD_AUTH_NONCE_SECRET',
    text: 'string',
    validate: nonceSecret,
    optional: true,
    secret: true,
    description:
      "Key the digest nonces are signed with (at least 32 characters). Nodes that share it accept each other's nonces, and a restart keeps the phones' nonces valid; default: a random key per process.",
  },
  {
    key: 'registrar.minExpires',
    env: 'SWITCHBOARD_REGISTRAR_MIN_EXPIRES',
    text: 'integer',
    validate: integer(0, 86_400),
    description: 'Seconds: a shorter non-zero registration interval is refused with 423 and Min-Expires.',
  },
  {
    key: 'registrar.maxExpires',
    env: 'SWITCHBOARD_REGISTRAR_MAX_EXPIRES',
    text: 'integer',
    validate: integer(1, 604_800),
    description: 'Seconds: a longer registration interval is shortened to this in the 200.',
  },
  {
    key: 'registrar.defaultExpires',
    env: 'SWITCHBOARD_REGISTRAR_DEFAULT_EXPIRES',
    text: 'integer',
    validate: integer(1, 604_800),
    description:
      'Seconds: the interval of a contact when neither it nor the REGISTER asks for one (between minExpires and maxExpires).',
  },
  {
    key: 'registrar.maxContacts',
    env: 'SWITCHBOARD_REGISTRAR_MAX_CONTACTS',
    text: 'integer',
    validate: integer(1, 1000),
    description:
      'Bindings kept per address-of-record; beyond it the least recently refreshed are evicted (a REGISTER adding more at once gets 403).',
  },
  {
    key: 'location.persistence',
    env: 'SWITCHBOARD_LOCATION_PERSISTENCE',
    text: 'string',
    validate: oneOf(LOCATION_PERSISTENCE),
    description: `How registrations reach the store: ${LOCATION_PERSISTENCE.join('|')} (write-through before each 200; write-back in one transaction every location.flushInterval ms and on stop, so a crash loses at most that interval of refreshes).`,
  },
  {
    key: 'location.flushInterval',
    env: 'SWITCHBOARD_LOCATION_FLUSH_INTERVAL',
    text: 'integer',
    validate: integer(50, 60_000),
    description: 'Milliseconds between write-back flushes of registrations to the store.',
  },
  {
    key: 'memory.heapGrowth',
    env: 'SWITCHBOARD_MEMORY_HEAP_GROWTH',
    text: 'integer',
    validate: integer(10, 300),
    description:
      "Percent the V8 heap may grow past the memory still live after a full garbage collection before the next one (V8's --heap-growing-percent). Low keeps the process proportional to its live state at some CPU; V8's own choice grows up to 4x the live data on a large machine, which reads as a leak.",
  },
  {
    key: 'memory.collectWhenIdle',
    env: 'SWITCHBOARD_MEMORY_COLLECT_WHEN_IDLE',
    text: 'boolean',
    validate: boolean,
    description:
      "Run one full, compacting garbage collection when the request rate falls to a quarter of its recent peak and the heap has grown by 32 MiB since the last one (and once more Timer J later, and once after start-up): once traffic stops V8 collects nothing, so a burst's garbage would stay in the process's memory until the next burst.",
  },
  {
    key: 'memory.heapLimit',
    env: 'SWITCHBOARD_MEMORY_HEAP_LIMIT',
    flag: '--heap-limit',
    flagArg: '<MiB>',
    text: 'integer',
    validate: integer(64, 1_048_576),
    optional: true,
    description:
      "Hard limit of the V8 heap in MiB (V8's --max-old-space-size); the start command relaunches the node with it. Default: three quarters of the cgroup's memory limit when the node runs in one (a container), else V8's own (a quarter of the machine's memory, at most 4 GiB). Past it the process fails rather than swapping.",
  },
  {
    key: 'gateways.probeInterval',
    env: 'SWITCHBOARD_GATEWAYS_PROBE_INTERVAL',
    text: 'integer',
    validate: integer(1, 3600),
    description:
      "Seconds between OPTIONS probes of each trunk gateway that has probing on (Kamailio's ds_ping_interval).",
  },
  {
    key: 'gateways.probeTimeout',
    env: 'SWITCHBOARD_GATEWAYS_PROBE_TIMEOUT',
    text: 'integer',
    validate: integer(1, 60),
    description:
      'Seconds a probe waits for an answer before it counts as failed; no longer than gateways.probeInterval.',
  },
  {
    key: 'gateways.probeFailures',
    env: 'SWITCHBOARD_GATEWAYS_PROBE_FAILURES',
    text: 'integer',
    validate: integer(1, 10),
    description:
      "Failed probes in a row that take a gateway out of service (Kamailio's ds_probing_threshold); the first answer puts it back.",
  },
  {
    key: 'nat.detect',
    env: 'SWITCHBOARD_NAT_DETECT',
    text: 'integer',
    validate: integer(0, 511),
    description:
      'Kamailio nat_uac_test flags that find a sender behind NAT (sum of 1 private Contact, 2 Via host is not the source, 4 private Via, 8 private SDP address, 16 Via port is not the source port, 32 private source, 64 WebSocket, 128 Contact port is not the source port, 256 SDP address is not the source); 0 turns contact aliasing and SDP repair off.',
  },
  {
    key: 'nat.contactAlias',
    env: 'SWITCHBOARD_NAT_CONTACT_ALIAS',
    text: 'boolean',
    validate: boolean,
    description:
      "Add the source as `;alias=` to NATed phones' Contacts (requests and the answers of registered phones) and send requests with an aliased Request-URI there (Kamailio's add_contact_alias and handle_ruri_alias).",
  },
  {
    key: 'nat.sdpRepair',
    env: 'SWITCHBOARD_NAT_SDP_REPAIR',
    text: 'boolean',
    validate: boolean,
    description:
      "Rewrite the private c= and o= addresses in NATed phones' SDP to their source address in what the node relays (Kamailio's fix_nated_sdp); turn it off when a media relay anchors the calls.",
  },
  {
    key: 'nat.keepaliveInterval',
    env: 'SWITCHBOARD_NAT_KEEPALIVE_INTERVAL',
    text: 'integer',
    validate: integer(0, 3600),
    description:
      "Seconds between keep-alives to each registration behind NAT: an OPTIONS over UDP, CRLF over TCP (RFC 5626 §3.5.1); Kamailio's natping_interval. 0 sends none.",
  },
  {
    key: 'nat.keepaliveTimeout',
    env: 'SWITCHBOARD_NAT_KEEPALIVE_TIMEOUT',
    text: 'integer',
    validate: integer(1, 60),
    description:
      'Seconds an OPTIONS keep-alive waits for an answer before it counts as unanswered; no longer than nat.keepaliveInterval.',
  },
  {
    key: 'nat.keepaliveFailures',
    env: 'SWITCHBOARD_NAT_KEEPALIVE_FAILURES',
    text: 'integer',
    validate: integer(1, 100),
    description:
      'Unanswered keep-alives in a row after which the binding is removed (registration.removed, reason keepalive).',
  },
  {
    key: 'trunks.timeZone',
    env: 'SWITCHBOARD_TRUNKS_TIME_ZONE',
    text: 'string',
    validate: timeZone,
    description:
      "IANA time zone (Europe/London, America/New_York) that least-cost routes' time bands are read in.",
  },
  {
    key: 'trunks.noReplyTimeout',
    env: 'SWITCHBOARD_TRUNKS_NO_REPLY_TIMEOUT',
    text: 'integer',
    validate: integer(100, 120_000),
    description:
      "Milliseconds a gateway may send nothing (not even 100 Trying) before the call fails over to the next (Kamailio's fr_timer); a trunk may set its own.",
  },
  {
    key: 'trunks.failoverCodes',
    env: 'SWITCHBOARD_TRUNKS_FAILOVER_CODES',
    text: 'list',
    validate: failoverCodes,
    description:
      'Final responses from a gateway that fail over to the next gateway, then the next route: 408, 5xx or codes 500-599 (a timeout counts as 408; 486, 603 and other 4xx never fail over); a trunk may set its own.',
  },
  {
    key: 'trunks.reloadInterval',
    env: 'SWITCHBOARD_TRUNKS_RELOAD_INTERVAL',
    text: 'integer',
    validate: integer(1, 3600),
    description:
      "Seconds between checks for trunk, gateway and route changes written by the CLI or another node (changes through this node's API apply at once).",
  },
  {
    key: 'trunks.realm',
    env: 'SWITCHBOARD_TRUNKS_REALM',
    text: 'string',
    validate: realm,
    description: 'Digest realm that trunks authenticating with credentials are challenged in (407).',
  },
  {
    key: 'b2bua.mode',
    env: 'SWITCHBOARD_B2BUA_MODE',
    flag: '--b2bua-mode',
    flagArg: '<mode>',
    text: 'string',
    validate: oneOf(B2BUA_MODES),
    description: `Which calls the B2BUA holds as two legs by default: ${B2BUA_MODES.join('|')} (off: all proxied; trunks: calls from or to a trunk; nat: calls of phones behind NAT). Call policies of subscribers, domains and trunks and recording policies override it (docs/b2bua-policy.md).`,
  },
  {
    key: 'b2bua.passHeaders',
    env: 'SWITCHBOARD_B2BUA_PASS_HEADERS',
    text: 'list',
    validate: list(xHeaderName, { nonEmpty: false }),
    description:
      'X- headers the B2BUA passes from one leg to the other (X-* for all), besides identity, diversion, privacy and User-to-User.',
  },
  {
    key: 'b2bua.anchorMedia',
    env: 'SWITCHBOARD_B2BUA_ANCHOR_MEDIA',
    text: 'boolean',
    validate: boolean,
    description:
      "Carry B2BUA calls' RTP through the media relay (media.relay); false passes each side's SDP to the other unchanged (signalling only).",
  },
  {
    key: 'b2bua.sessionExpires',
    env: 'SWITCHBOARD_B2BUA_SESSION_EXPIRES',
    text: 'integer',
    validate: sessionInterval,
    description:
      'RFC 4028 session interval (s) the B2BUA keeps on both legs, refreshing or expecting refreshes; 0 turns session timers off.',
  },
  {
    key: 'b2bua.maxCallsPerSubscriber',
    env: 'SWITCHBOARD_B2BUA_MAX_CALLS_PER_SUBSCRIBER',
    text: 'integer',
    validate: integer(0, 1_000_000),
    description:
      'B2BUA calls a subscriber may have in progress at once; more are refused 403 with a Reason (0: no limit).',
  },
  {
    key: 'b2bua.maxCallsPerDomain',
    env: 'SWITCHBOARD_B2BUA_MAX_CALLS_PER_DOMAIN',
    text: 'integer',
    validate: integer(0, 1_000_000),
    description:
      'B2BUA calls the subscribers of one domain may have in progress at once (403 past it; 0: no limit).',
  },
  {
    key: 'b2bua.maxCallsPerTrunk',
    env: 'SWITCHBOARD_B2BUA_MAX_CALLS_PER_TRUNK',
    text: 'integer',
    validate: integer(0, 1_000_000),
    description: 'B2BUA calls in progress at once from or to one trunk (403 past it; 0: no limit).',
  },
  {
    key: 'b2bua.maxCallRate',
    env: 'SWITCHBOARD_B2BUA_MAX_CALL_RATE',
    text: 'integer',
    validate: integer(0, 1_000_000),
    description:
      'New B2BUA calls per second for each subscriber, domain and trunk; more get 503 with Retry-After: 1 (0: no limit).',
  },
  {
    key: 'b2bua.emergencyNumbers',
    env: 'SWITCHBOARD_B2BUA_EMERGENCY_NUMBERS',
    text: 'list',
    validate: list(dialledNumber, { nonEmpty: false }),
    description: 'Called numbers the B2BUA call limits never refuse (emergency services).',
  },
  {
    key: 'b2bua.maxCallDuration',
    env: 'SWITCHBOARD_B2BUA_MAX_CALL_DURATION',
    text: 'integer',
    validate: integer(0, 604_800),
    description:
      'Seconds an answered B2BUA call may last before the node ends both legs with BYE; 0: no limit.',
  },
  {
    key: 'b2bua.mediaTimeout',
    env: 'SWITCHBOARD_B2BUA_MEDIA_TIMEOUT',
    text: 'integer',
    validate: integer(0, 86_400),
    description:
      'Seconds an answered B2BUA call with anchored media may go without RTP from either side before the node ends both legs with BYE (rtpengine --timeout); 0: never.',
  },
  {
    key: 'b2bua.journalHeartbeat',
    env: 'SWITCHBOARD_B2BUA_JOURNAL_HEARTBEAT',
    text: 'integer',
    validate: integer(1, 3600),
    description:
      "Seconds between the call journal's heartbeats: this run's call records are marked seen, so a killed node's interrupted CDRs end at most this early.",
  },
  {
    key: 'b2bua.journalStaleAfter',
    env: 'SWITCHBOARD_B2BUA_JOURNAL_STALE_AFTER',
    text: 'integer',
    validate: integer(2, 86_400),
    description:
      'Seconds after which the call records of any node not seen (one that never came back) are closed as interrupted CDRs; at least twice b2bua.journalHeartbeat, the same on every node of one store.',
  },
  {
    key: 'edge.flood.requests',
    env: 'SWITCHBOARD_EDGE_FLOOD_REQUESTS',
    text: 'integer',
    validate: integer(0, 1_000_000),
    description:
      "Requests one source address may send per edge.flood.window before it is banned (Kamailio pike's reqs_density_per_unit); 0 turns the flood check off.",
  },
  {
    key: 'edge.flood.window',
    env: 'SWITCHBOARD_EDGE_FLOOD_WINDOW',
    text: 'integer',
    validate: integer(1, 3600),
    description: "Seconds per counting window of the flood check (pike's sampling_time_unit).",
  },
  {
    key: 'edge.flood.banTime',
    env: 'SWITCHBOARD_EDGE_FLOOD_BAN_TIME',
    text: 'integer',
    validate: integer(1, 604_800),
    description: 'Seconds a flooding source stays banned: its packets are dropped unparsed and unanswered.',
  },
  {
    key: 'edge.authFailures.count',
    env: 'SWITCHBOARD_EDGE_AUTH_FAILURES_COUNT',
    text: 'integer',
    validate: integer(0, 1_000_000),
    description:
      'Failed digest authentications (wrong password, unknown user, bad nonce) from one source address per edge.authFailures.window before it is banned; 0 turns the check off.',
  },
  {
    key: 'edge.authFailures.window',
    env: 'SWITCHBOARD_EDGE_AUTH_FAILURES_WINDOW',
    text: 'integer',
    validate: integer(1, 86_400),
    description: 'Seconds per counting window of failed authentications.',
  },
  {
    key: 'edge.authFailures.banTime',
    env: 'SWITCHBOARD_EDGE_AUTH_FAILURES_BAN_TIME',
    text: 'integer',
    validate: integer(1, 604_800),
    description: 'Seconds a source stays banned after too many failed authentications.',
  },
  {
    key: 'edge.scanners.userAgents',
    env: 'SWITCHBOARD_EDGE_SCANNERS_USER_AGENTS',
    text: 'list',
    validate: list(userAgentPattern, { nonEmpty: false }),
    description:
      'User-Agent fragments (case-insensitive) of SIP scanners: their requests are dropped unanswered and their source banned. Empty turns scanner detection off.',
  },
  {
    key: 'edge.scanners.banTime',
    env: 'SWITCHBOARD_EDGE_SCANNERS_BAN_TIME',
    text: 'integer',
    validate: integer(1, 604_800),
    description: 'Seconds a scanning source stays banned.',
  },
  {
    key: 'edge.allow',
    env: 'SWITCHBOARD_EDGE_ALLOW',
    text: 'list',
    validate: list(cidr, { nonEmpty: false }),
    description:
      "Operators' networks (addresses or CIDR networks, comma-separated) never rate-limited nor banned; trunks' inbound networks are allowed too.",
  },
  {
    key: 'edge.maxSources',
    env: 'SWITCHBOARD_EDGE_MAX_SOURCES',
    text: 'integer',
    validate: integer(100, 10_000_000),
    description:
      'Source addresses whose request rate is tracked, and bans held, at most: past it the oldest is forgotten (bounded memory under a spoofed-source flood).',
  },
  {
    key: 'edge.banPollInterval',
    env: 'SWITCHBOARD_EDGE_BAN_POLL_INTERVAL',
    text: 'integer',
    validate: integer(0, 3600),
    description:
      "Seconds between reads of the bans kept in the store, which bring other nodes' bans and lifts to this node; 0 reads them only at start.",
  },
  {
    key: 'overload.maxServerTransactions',
    env: 'SWITCHBOARD_OVERLOAD_MAX_SERVER_TRANSACTIONS',
    text: 'integer',
    validate: integer(0, 10_000_000),
    description:
      'Live server transactions at most: past it new requests get 503 with Retry-After (RFC 3261 §21.5.4) instead of queueing; 0 for no bound.',
  },
  {
    key: 'overload.maxEventLoopDelay',
    env: 'SWITCHBOARD_OVERLOAD_MAX_EVENT_LOOP_DELAY',
    text: 'integer',
    validate: integer(0, 60_000),
    description:
      'Event-loop delay in ms sustained for 2 s (the lowest of four half-second means) past which the node is saturated and answers new requests 503 with Retry-After; 0 turns the measure off.',
  },
  {
    key: 'overload.retryAfter',
    env: 'SWITCHBOARD_OVERLOAD_RETRY_AFTER',
    text: 'integer',
    validate: integer(1, 3600),
    description: 'Seconds in the Retry-After header of an overload 503.',
  },
  {
    key: 'api.enabled',
    env: 'SWITCHBOARD_API_ENABLED',
    text: 'boolean',
    validate: boolean,
    description: 'Run the HTTP API (REST, OpenAPI, /metrics) on this node.',
  },
  {
    key: 'api.port',
    env: 'SWITCHBOARD_API_PORT',
    flag: '--api-port',
    flagArg: '<port>',
    text: 'integer',
    validate: integer(0, 65535),
    description: 'HTTP API port (REST under /v1, /openapi.json, /metrics, /health); 0 takes any free port.',
  },
  {
    key: 'api.listen',
    env: 'SWITCHBOARD_API_LISTEN',
    flag: '--api-listen',
    flagArg: '<address>',
    text: 'string',
    validate: ipAddress,
    description: 'IP address the HTTP API listens on.',
  },
  {
    key: 'api.metricsNeedKey',
    env: 'SWITCHBOARD_API_METRICS_NEED_KEY',
    text: 'boolean',
    validate: boolean,
    description: 'Ask for an API key on /metrics as on /v1 (off: Prometheus scrapes without one).',
  },
  {
    key: 'recording.dir',
    env: 'SWITCHBOARD_RECORDING_DIR',
    flag: '--recording-dir',
    flagArg: '<dir>',
    text: 'string',
    validate: nonEmptyString('a directory path'),
    optional: true,
    description: 'Directory for recordings (one folder per recording); default: recordings in dataDir.',
  },
  {
    key: 'recording.address',
    env: 'SWITCHBOARD_RECORDING_ADDRESS',
    flag: '--recording-address',
    flagArg: '<ip>',
    text: 'string',
    validate: ipAddress,
    optional: true,
    description:
      'IP address the recorder receives RTP on and announces in its SDP; default: the first sip.listen address, or the primary address when that is a wildcard.',
  },
  {
    key: 'recording.advertisedAddress',
    env: 'SWITCHBOARD_RECORDING_ADVERTISED_ADDRESS',
    text: 'string',
    validate: ipAddress,
    optional: true,
    description:
      "IP address announced in the recorder's SDP instead of recording.address, when senders reach it through NAT (like rtpengine's interface=local!advertised); default: recording.address.",
  },
  {
    key: 'recording.portMin',
    env: 'SWITCHBOARD_RECORDING_PORT_MIN',
    text: 'integer',
    validate: integer(1024, 65534),
    description: 'Lowest UDP port for recorded RTP (even; RTCP on the next port).',
  },
  {
    key: 'recording.portMax',
    env: 'SWITCHBOARD_RECORDING_PORT_MAX',
    text: 'integer',
    validate: integer(1025, 65535),
    description: 'Highest UDP port for recorded RTP.',
  },
  {
    key: 'recording.mediaServer',
    env: 'SWITCHBOARD_RECORDING_MEDIA_SERVER',
    flag: '--media-server',
    flagArg: '<host:port>',
    text: 'string',
    validate: hostPort,
    description: "ng address of the rtpengine asked to fork a call's media when a start request names none.",
  },
  {
    key: 'recording.mediaTimeout',
    env: 'SWITCHBOARD_RECORDING_MEDIA_TIMEOUT',
    text: 'integer',
    validate: integer(1, 3600),
    description: 'Seconds without RTP on every leg after which a recording stops (the call ended under it).',
  },
  {
    key: 'recording.receiver',
    env: 'SWITCHBOARD_RECORDING_RECEIVER',
    text: 'string',
    validate: oneOf(RECORDING_RECEIVERS),
    description: `How recorded RTP is received: ${RECORDING_RECEIVERS.join('|')} (batch: the native epoll/recvmmsg receiver built by npm install on Linux, about half the CPU per packet; dgram: node:dgram; auto: batch when built, else dgram).`,
  },
  {
    key: 'recording.retentionDays',
    env: 'SWITCHBOARD_RECORDING_RETENTION_DAYS',
    text: 'integer',
    validate: integer(0, 36_500),
    description:
      'Days a finished recording is kept before it and its files are deleted; 0 keeps them until deleted.',
  },
  {
    key: 'recording.streamBatchPackets',
    env: 'SWITCHBOARD_RECORDING_STREAM_BATCH_PACKETS',
    text: 'integer',
    validate: integer(1, 10_000),
    description:
      'WebSocket streaming: packets per batch (a batch also goes after recording.streamBatchInterval).',
  },
  {
    key: 'recording.streamBatchInterval',
    env: 'SWITCHBOARD_RECORDING_STREAM_BATCH_INTERVAL',
    text: 'integer',
    validate: integer(10, 60_000),
    description: 'WebSocket streaming: milliseconds a packet may wait for its batch.',
  },
  {
    key: 'recording.streamToken',
    env: 'SWITCHBOARD_RECORDING_STREAM_TOKEN',
    text: 'string',
    validate: bearerToken,
    optional: true,
    secret: true,
    description:
      'Token sent to recording stream consumers as Authorization: Bearer (recording-sink --token).',
  },
  {
    key: 'media.relay',
    env: 'SWITCHBOARD_MEDIA_RELAY',
    flag: '--media-relay',
    flagArg: '<kind>',
    text: 'string',
    validate: oneOf(MEDIA_RELAYS),
    description: `What relays the RTP of calls the node anchors: ${MEDIA_RELAYS.join('|')} (builtin: the node's own relay on worker threads, nothing to install; rtpengine: an rtpengine at media.rtpengine over ng).`,
  },
  {
    key: 'media.rtpengine',
    env: 'SWITCHBOARD_MEDIA_RTPENGINE',
    flag: '--media-rtpengine',
    flagArg: '<host:port>',
    text: 'string',
    validate: hostPort,
    description: "rtpengine's ng address (its --listen-ng), used when media.relay is rtpengine.",
  },
  {
    key: 'media.address',
    env: 'SWITCHBOARD_MEDIA_ADDRESS',
    text: 'string',
    validate: ipAddress,
    optional: true,
    description:
      'IP address the built-in relay receives RTP on and announces in SDP; default: the first sip.listen address, or the primary address when that is a wildcard.',
  },
  {
    key: 'media.advertisedAddress',
    env: 'SWITCHBOARD_MEDIA_ADVERTISED_ADDRESS',
    text: 'string',
    validate: ipAddress,
    optional: true,
    description:
      "IP address the built-in relay announces in SDP instead of media.address, behind NAT (like rtpengine's interface=local!advertised).",
  },
  {
    key: 'media.portMin',
    env: 'SWITCHBOARD_MEDIA_PORT_MIN',
    text: 'integer',
    validate: integer(1024, 65534),
    description: 'Lowest UDP port of the built-in relay (even: RTP; RTCP on the next port).',
  },
  {
    key: 'media.portMax',
    env: 'SWITCHBOARD_MEDIA_PORT_MAX',
    text: 'integer',
    validate: integer(1025, 65535),
    description: 'Highest UDP port of the built-in relay.',
  },
  {
    key: 'media.timeout',
    env: 'SWITCHBOARD_MEDIA_TIMEOUT',
    text: 'integer',
    validate: integer(1, 3600),
    description:
      'Seconds without RTP from either side of a call before the built-in relay reports media.timeout.',
  },
  {
    key: 'media.dscp',
    env: 'SWITCHBOARD_MEDIA_DSCP',
    text: 'integer',
    validate: dscp,
    description:
      "DSCP of the RTP and RTCP the built-in relay sends (IP_TOS / IPV6_TCLASS): 46 is EF (RFC 3246), TOS byte 184 (rtpengine's tos=184); 0 leaves packets unmarked.",
  },
  {
    key: 'media.consentTimeout',
    env: 'SWITCHBOARD_MEDIA_CONSENT_TIMEOUT',
    text: 'integer',
    validate: integer(1, 300),
    description:
      'Seconds a WebRTC side of the built-in relay keeps ICE consent without a valid STUN check (RFC 7675 §5.1: 30); then nothing more is sent to it and media.consent-lost is reported.',
  },
  {
    key: 'media.workers',
    env: 'SWITCHBOARD_MEDIA_WORKERS',
    text: 'integer',
    validate: integer(0, 64),
    description:
      "Worker threads carrying the built-in relay's packets, off the signalling thread; 0: one per core.",
  },
];

const byKey = new Map(KEYS.map((spec) => [spec.key, spec]));

export function keySpec(key: string): KeySpec | undefined {
  return byKey.get(key);
}

/** Object keys that hold nested keys (`sip`, `sip.timers`, `proxy`), derived from the table. */
export const SECTIONS: ReadonlySet<string> = new Set(
  KEYS.flatMap((spec) => {
    const parts = spec.key.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

/** How to fix a key: its environment variable and flag, or the file when it has no flag. */
export function fixHint(spec: KeySpec): string {
  return spec.flag
    ? `set ${spec.env} or ${spec.flag}`
    : `set ${spec.env} or "${spec.key}" in the config file`;
}
