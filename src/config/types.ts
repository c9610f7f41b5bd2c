/** Pino's levels, plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Transports the SIP stack can listen on (ws/wss: RFC 7118, on their own ports; see sip.websocketOnApiPort). */
export const SIP_TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;
export type SipTransportName = (typeof SIP_TRANSPORTS)[number];

/** Whether a TLS listener asks for client certificates, and whether it insists on a valid one. */
export const TLS_CLIENT_CERTIFICATES = ['none', 'request', 'require'] as const;
export const TLS_ENGINES = ['native', 'node'] as const;

export const DIGEST_ALGORITHMS = ['MD5', 'SHA-256'] as const;
export type DigestAlgorithmName = (typeof DIGEST_ALGORITHMS)[number];

/** Digest authentication of the registrar and proxy (RFC 3261 §22, RFC 8760). */
export interface AuthConfig {
  algorithms: DigestAlgorithmName[];
  /** Seconds. */
  nonceLifetime: number;
  /** Seconds a subscriber's credentials are remembered between store reads; 0 reads every time. */
  credentialCacheTtl: number;
  /** Signs the nonces; shared by a cluster's nodes. Default: random per process. */
  nonceSecret?: string;
}

/** Registrar policy (RFC 3261 §10.3), in seconds and counts. */
export interface RegistrarConfig {
  /** Shorter non-zero intervals are refused with 423 and Min-Expires. */
  minExpires: number;
  /** Longer intervals are shortened to this. */
  maxExpires: number;
  /** Interval when neither the contact nor the request asks for one. */
  defaultExpires: number;
  /** Bindings kept per address-of-record; the least recently refreshed are evicted beyond it. */
  maxContacts: number;
}

export const LOCATION_PERSISTENCE = ['write-through', 'write-back'] as const;
export const RECORDING_RECEIVERS = ['auto', 'batch', 'dgram'] as const;
export const MEDIA_RELAYS = ['builtin', 'rtpengine'] as const;
export type LocationPersistence = (typeof LOCATION_PERSISTENCE)[number];

/** How registrations reach the store (they live in memory either way). */
export interface LocationConfig {
  persistence: LocationPersistence;
  /** Milliseconds between write-back flushes. */
  flushInterval: number;
}

/** How much memory the process may take beyond its live state. */
export interface MemoryConfig {
  /** Percent the heap may grow past live data between full collections (V8 --heap-growing-percent). */
  heapGrowth: number;
  /** One full collection when a burst of traffic is over. */
  collectWhenIdle: boolean;
  /** Hard V8 heap limit in MiB; absent: from the cgroup's memory limit, else V8's default. */
  heapLimit?: number;
}

/** OPTIONS probing of trunk gateways (Kamailio's dispatcher probing). */
export interface GatewaysConfig {
  /** Seconds between probes of each gateway (ds_ping_interval). */
  probeInterval: number;
  /** Seconds a probe waits for its answer (no more than the interval). */
  probeTimeout: number;
  /** Failed probes in a row that take a gateway out of service (ds_probing_threshold). */
  probeFailures: number;
}

/** NAT traversal (Kamailio's nathelper as its stock configuration uses it). */
export interface NatConfig {
  /** nat_uac_test flags that find a sender behind NAT; 0 turns detection (aliasing, SDP repair) off. */
  detect: number;
  /** Contact aliasing of NATed phones (add_contact_alias / handle_ruri_alias). */
  contactAlias: boolean;
  /** Private SDP addresses of NATed phones rewritten to their source (fix_nated_sdp). */
  sdpRepair: boolean;
  /** Seconds between keep-alives to each NATed registration; 0 = none. */
  keepaliveInterval: number;
  /** Seconds an OPTIONS keep-alive waits for its answer. */
  keepaliveTimeout: number;
  /** Unanswered keep-alives in a row that remove the binding. */
  keepaliveFailures: number;
}

/** Which calls the B2BUA takes over (src/b2bua/call-policy.ts). */
export const B2BUA_MODES = ['off', 'all', 'trunks', 'nat'] as const;

/** The B2BUA role: which calls it holds as two legs, and how. */
export interface B2buaConfig {
  /** The default (call policies refine it): off: proxied; all: every new call; trunks: calls from or to a trunk; nat: calls of phones behind NAT. */
  mode: (typeof B2BUA_MODES)[number];
  /** X- headers passed from one leg to the other (`X-*`: all of them). */
  passHeaders: string[];
  /** Seconds an answered call may last before the node ends it; 0: no limit. */
  maxCallDuration: number;
  /** RFC 4028 session interval in seconds on both legs; 0: no session timers. */
  sessionExpires: number;
  /** Seconds an answered call's relay may see no RTP from either side before the node ends it; 0: never. */
  mediaTimeout: number;
  /** Calls in progress at once per subscriber, per domain, per trunk; 0: no limit. */
  maxCallsPerSubscriber: number;
  maxCallsPerDomain: number;
  maxCallsPerTrunk: number;
  /** New calls per second per subscriber, domain and trunk; 0: no limit. */
  maxCallRate: number;
  /** Numbers never refused by these limits (emergency services). */
  emergencyNumbers: string[];
  /** Anchor the calls' media on the node's media relay (media.relay); false: SDP passed unchanged. */
  anchorMedia: boolean;
  /** Seconds between the call journal's heartbeats (its records of this run marked seen). */
  journalHeartbeat: number;
  /** Seconds after which a journal record of any node not seen is closed as an interrupted CDR. */
  journalStaleAfter: number;
}

export const PROXY_MODES = ['stateful', 'stateless'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

/** RFC 3261 timer base values, in milliseconds. */
export interface SipTimersConfig {
  t1: number;
  t2: number;
  t4: number;
}

export interface SipConfig {
  port: number;
  /** IP addresses to bind; `0.0.0.0` / `::` mean every address. */
  listen: string[];
  transports: SipTransportName[];
  /** Host put in Via/Record-Route when listening on a wildcard address. */
  advertisedAddress?: string;
  maxMessageSize: number;
  /** Sockets one source address may hold on each stream listener (TCP, TLS, WS, WSS), handshakes included. */
  maxConnectionsPerSource: number;
  /** UDP through the native batched module (recvmmsg/sendmmsg) when it is built; node:dgram when false. */
  udpBatching: boolean;
  /** SIP over WebSocket also on the API's port (RFC 7118 §4): WS, or WSS when the API is HTTPS. */
  websocketOnApiPort: boolean;
  timers: SipTimersConfig;
  /** Proxy INVITE Timer C (RFC 3261 §16.6 step 11), in milliseconds. */
  timerC: number;
}

/** SIP over TLS (RFC 3261 §26.2); the certificate also serves WSS. */
export interface TlsConfig {
  port: number;
  /** PEM certificate chain file; with `key`. Absent: a self-signed pair in dataDir. */
  certificate?: string;
  /** PEM private key file of the certificate. */
  key?: string;
  /** PEM CA file to verify peers (clients, servers) against; absent: Node's bundled roots. */
  ca?: string;
  clientCertificates: (typeof TLS_CLIENT_CERTIFICATES)[number];
  /** Verify the certificate of servers the node opens TLS connections to. */
  verifyServer: boolean;
  /** What serves the TLS listener: OpenSSL's handshake then our TLS 1.3 record layer, or node:tls. */
  engine: (typeof TLS_ENGINES)[number];
}

/** SIP over WebSocket (RFC 7118): one port for `ws`, one for `wss`. */
export interface WebSocketPortConfig {
  port: number;
}

export interface ProxyConfig {
  /** Outbound proxy: requests without a Route go here. */
  defaultRoute?: string;
  mode: ProxyMode;
  recordRoute: boolean;
  /** Domains this node is responsible for; empty means only its own addresses. */
  domains: string[];
}

/** Trunks and least-cost routing (provisioned in the store; these are the node's defaults). */
export interface TrunksConfig {
  /** IANA time zone the routes' time bands are read in. */
  timeZone: string;
  /** ms a gateway may stay silent (not even 100 Trying) before the next is tried; per trunk too. */
  noReplyTimeout: number;
  /** Final responses that fail over to the next gateway/route: 408, 5xx, 500-599; per trunk too. */
  failoverCodes: string[];
  /** Seconds between checks for trunk, gateway and route changes made elsewhere (the CLI, other nodes). */
  reloadInterval: number;
  /** The realm trunks that authenticate with credentials are challenged in. */
  realm: string;
}

export interface StoreConfig {
  /** Provisioning database: unset or empty is SQLite in dataDir; `postgres://…` is PostgreSQL. */
  url?: string;
}

/** The HTTP API (REST, OpenAPI, /metrics). */
export interface ApiConfig {
  enabled: boolean;
  /** 0 takes any free port (tests). */
  port: number;
  listen: string;
  /** Ask for an API key on /metrics too. */
  metricsNeedKey: boolean;
}

/** The recording service: SIPREC server, media-server forking, files, streaming. */
export interface RecordingConfig {
  /** Where recordings are kept; default `<dataDir>/recordings`. */
  dir?: string;
  /** IP address the recorder receives RTP on and puts in its SDP; default: the SIP address. */
  address?: string;
  /** Announced in the SDP instead of `address` (NAT); default: `address`. */
  advertisedAddress?: string;
  portMin: number;
  portMax: number;
  /** rtpengine ng address used when a start request names none. */
  mediaServer: string;
  /** Seconds without RTP after which a leg counts as ended. */
  mediaTimeout: number;
  /** How recorded RTP is received: the native batch receiver, node:dgram, or auto (batch when built). */
  receiver: (typeof RECORDING_RECEIVERS)[number];
  /** Days recordings are kept; 0 keeps them until deleted. */
  retentionDays: number;
  /** WebSocket streaming: a batch is sent at this many packets or after batchInterval ms. */
  streamBatchPackets: number;
  streamBatchInterval: number;
  /** Sent to stream consumers as `Authorization: Bearer`. */
  streamToken?: string;
}

/** The media relay the node's B2BUA anchors calls' RTP on. */
export interface MediaConfig {
  /** Which backend carries the RTP: the node's built-in relay or an rtpengine over ng. */
  relay: (typeof MEDIA_RELAYS)[number];
  /** rtpengine's ng address (media.relay rtpengine). */
  rtpengine: string;
  /** Built-in relay: the IP address it binds and puts in SDP; default: the SIP address. */
  address?: string;
  /** Built-in relay: announced in SDP instead of `address` (NAT). */
  advertisedAddress?: string;
  portMin: number;
  portMax: number;
  /** Seconds without RTP from either side before a media.timeout event. */
  timeout: number;
  /** Built-in relay: DSCP of the packets it sends (46: EF); 0: unmarked. */
  dscp: number;
  /** Built-in relay: seconds a WebRTC side keeps ICE consent without a check (RFC 7675 §5.1). */
  consentTimeout: number;
  /** Built-in relay: worker threads carrying packets; 0 = one per core. */
  workers: number;
}

/** Flood and abuse protection before parsing (src/edge). */
export interface EdgeConfig {
  flood: {
    /** Requests from one source per window before it is banned (Kamailio pike); 0 disables. */
    requests: number;
    /** Seconds per window. */
    window: number;
    /** Seconds a flooding source stays banned. */
    banTime: number;
  };
  authFailures: {
    /** Failed authentications from one source per window before it is banned; 0 disables. */
    count: number;
    window: number;
    banTime: number;
  };
  scanners: {
    /** User-Agent fragments (case-insensitive) of scanners: dropped and banned. Empty disables. */
    userAgents: string[];
    banTime: number;
  };
  /** Operators' networks (CIDR): never banned or rate-limited. Trunks' networks are added. */
  allow: string[];
  /** Source addresses tracked (rates) and banned at most. */
  maxSources: number;
  /** Seconds between reads of the store's bans (other nodes' bans and lifts); 0: only at start. */
  banPollInterval: number;
}

/** When the node counts as saturated and answers 503 with Retry-After (RFC 3261 §21.5.4). */
export interface OverloadConfig {
  /** Live server transactions at most (0: no bound). */
  maxServerTransactions: number;
  /** Mean event-loop delay in ms past which the node is saturated (0: not measured). */
  maxEventLoopDelay: number;
  /** Seconds in Retry-After. */
  retryAfter: number;
}

export interface SwitchboardConfig {
  dataDir: string;
  logLevel: LogLevel;
  sip: SipConfig;
  tls: TlsConfig;
  ws: WebSocketPortConfig;
  wss: WebSocketPortConfig;
  proxy: ProxyConfig;
  auth: AuthConfig;
  registrar: RegistrarConfig;
  location: LocationConfig;
  memory: MemoryConfig;
  gateways: GatewaysConfig;
  nat: NatConfig;
  api: ApiConfig;
  recording: RecordingConfig;
  media: MediaConfig;
  trunks: TrunksConfig;
  b2bua: B2buaConfig;
  edge: EdgeConfig;
  overload: OverloadConfig;
  /** Absent when no store key is set (the embedded SQLite default). */
  store?: StoreConfig;
}
