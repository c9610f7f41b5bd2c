import { DEFAULT_SCANNER_USER_AGENTS } from '../edge/index.js';
import type { SwitchboardConfig } from './types.js';

/** The embedded defaults: a fresh object each call, so callers may mutate it. */
export function defaultConfig(): SwitchboardConfig {
  return {
    dataDir: './data',
    logLevel: 'info',
    sip: {
      port: 5060,
      listen: ['0.0.0.0'],
      transports: ['udp', 'tcp'],
      maxMessageSize: 65535,
      maxConnectionsPerSource: 500,
      udpBatching: true,
      websocketOnApiPort: false,
      timers: { t1: 500, t2: 4000, t4: 5000 },
      timerC: 180_000,
    },
    // RFC 3261 §26.2.1 / RFC 5630: 5061 for SIPS. 8088/8089 as Asterisk serves WS/WSS.
    tls: { port: 5061, clientCertificates: 'none', verifyServer: true, engine: 'native' },
    ws: { port: 8088 },
    wss: { port: 8089 },
    proxy: {
      mode: 'stateful',
      recordRoute: true,
      domains: [],
    },
    // MD5 alone, as Kamailio, Asterisk and FreeSWITCH challenge: baresip 1.0 refuses any 401 holding a
    // SHA-256 challenge and SIPp 3.6 one that lists it first. A domain opts in to SHA-256 (RFC 8760)
    // with `domain set --auth-algorithms`.
    auth: { algorithms: ['MD5'], nonceLifetime: 300, credentialCacheTtl: 10 },
    // Kamailio's registrar defaults are close: min_expires 60, max_expires 0 (none), default 3600.
    registrar: { minExpires: 60, maxExpires: 7200, defaultExpires: 3600, maxContacts: 5 },
    location: { persistence: 'write-back', flushInterval: 1000 },
    // V8 lets a heap grow to 4x its live data on a machine this size before a full collection. 20%
    // keeps a node's memory within 1.2x of what it holds: a proxy at 150 calls/s stops growing by
    // minute 2, about 10 MiB under where it ends at 50% (whose old space crept up for minutes), for
    // twice the full collections, about 3 % more CPU per call (BENCHMARKS.md, soak).
    memory: { heapGrowth: 20, collectWhenIdle: true },
    // Kamailio's dispatcher probes every ds_ping_interval (often 30 s) and takes a gateway out after
    // ds_probing_threshold (default 1) failed probe.
    gateways: { probeInterval: 30, probeTimeout: 5, probeFailures: 1 },
    // Kamailio's stock configuration: nat_uac_test("19"), natping_interval 30; nathelper's
    // keepalive_timeout is time-based, here 3 unanswered pings (about 90 s) remove a binding.
    nat: {
      detect: 19,
      contactAlias: true,
      sdpRepair: true,
      keepaliveInterval: 30,
      keepaliveTimeout: 5,
      keepaliveFailures: 3,
    },
    api: { enabled: true, port: 8080, listen: '127.0.0.1', metricsNeedKey: false },
    recording: {
      portMin: 40000,
      portMax: 44999,
      mediaServer: '127.0.0.1:2223',
      mediaTimeout: 20,
      receiver: 'auto',
      retentionDays: 0,
      streamBatchPackets: 50,
      streamBatchInterval: 200,
    },
    // rtpengine's defaults: ports 30000-40000, a call without media for 60 s is timed out.
    media: {
      relay: 'builtin',
      rtpengine: '127.0.0.1:2223',
      portMin: 30000,
      portMax: 40000,
      timeout: 60,
      // EF (RFC 3246, DSCP 46, TOS 184) as rtpengine's tos=184 and RFC 4594 §4.2 for telephony.
      dscp: 46,
      // RFC 7675 §5.1: consent expires 30 s after the last successful check.
      consentTimeout: 30,
      workers: 0,
    },
    // Kamailio's fr_timer is 5 s; a carrier gateway that has not said 100 Trying in 3 s is not coming.
    trunks: {
      timeZone: 'UTC',
      noReplyTimeout: 3000,
      failoverCodes: ['408', '5xx'],
      reloadInterval: 5,
      realm: 'switchboard',
    },
    // Off: a node proxies as before until its operator picks the calls to hold (docs/architecture.md).
    // Six hours ends calls whose BYE was lost, as SBCs' maximum call duration does.
    // RFC 4028 §4 recommends 1800 s: a dead call is found within half an hour.
    // 60 s without RTP is rtpengine's own --timeout default.
    b2bua: {
      mode: 'off',
      passHeaders: [],
      maxCallDuration: 21_600,
      sessionExpires: 1800,
      mediaTimeout: 60,
      // A call record is marked seen every 10 s; one unseen for 6 heartbeats is a dead node's.
      journalHeartbeat: 10,
      journalStaleAfter: 60,
      anchorMedia: true,
      maxCallsPerSubscriber: 0,
      maxCallsPerDomain: 0,
      maxCallsPerTrunk: 0,
      maxCallRate: 0,
      emergencyNumbers: ['112', '911', '999'],
    },
    edge: {
      // Kamailio's stock kamailio.cfg: pike sampling_time_unit 2, reqs_density_per_unit 16, and
      // htable ipban autoexpire 300.
      flood: { requests: 16, window: 2, banTime: 300 },
      // A phone with a stale password retries once per registration attempt (tens of seconds
      // apart) and stays far below 10 a minute; svcrack sends hundreds a second. fail2ban's
      // asterisk jail bans for 10 minutes.
      authFailures: { count: 10, window: 60, banTime: 600 },
      scanners: { userAgents: [...DEFAULT_SCANNER_USER_AGENTS], banTime: 3600 },
      allow: [],
      maxSources: 100_000,
      // Another node's ban reaches this one within 5 s: a flood moving between nodes is short.
      banPollInterval: 5,
    },
    // INVITE server transactions live 32 s after their 2xx (RFC 6026 Timer L): 1,000 calls/s holds
    // about 32,000. A mean event-loop delay of 200 ms means requests already wait in queues.
    overload: { maxServerTransactions: 50_000, maxEventLoopDelay: 200, retryAfter: 5 },
  };
}
