import { describe, expect, it } from 'vitest';
import { ConfigError, KEYS, loadConfig } from '../../../src/config/index.js';
import { problemsOf } from './helpers.js';

// A bad value for every key, as an operator could type it, and the phrase the error must contain.
const BAD: Record<string, [string, string]> = {
  dataDir: [' ', 'expected a directory path'],
  logLevel: ['verbose', 'expected one of trace|debug|info|warn|error|fatal|silent, got "verbose"'],
  'sip.port': ['abc', 'expected an integer 1-65535, got "abc"'],
  'sip.listen': [
    '127.0.0.1,localhost',
    'expected an IP address such as 0.0.0.0, ::, 127.0.0.1 or ::1, got "localhost"',
  ],
  'sip.transports': ['udp,sctp', 'expected one of udp|tcp|tls|ws|wss, got "sctp"'],
  'tls.port': ['0', 'expected an integer 1-65535, got 0'],
  'tls.certificate': ['-----BEGIN CERTIFICATE-----', 'expected a PEM certificate file path, got PEM text'],
  'tls.key': ['-----BEGIN PRIVATE KEY-----', 'expected a PEM private key file path, got PEM text'],
  'tls.ca': ['-----BEGIN CERTIFICATE-----', 'expected a PEM CA certificate file path, got PEM text'],
  'tls.clientCertificates': ['always', 'expected one of none|request|require, got "always"'],
  'tls.engine': ['openssl', 'expected one of native|node, got "openssl"'],
  'tls.verifyServer': ['maybe', 'expected true or false'],
  'sip.udpBatching': ['sometimes', 'expected true or false'],
  'sip.websocketOnApiPort': ['api', 'expected true or false, got "api"'],
  'ws.port': ['http', 'expected an integer 1-65535, got "http"'],
  'wss.port': ['70000', 'expected an integer 1-65535, got 70000'],
  'sip.advertisedAddress': ['bad_host!', 'expected a host name or IP address, got "bad_host!"'],
  'sip.maxMessageSize': ['100', 'expected an integer 1024-1048576, got 100'],
  'sip.maxConnectionsPerSource': ['0', 'expected an integer 1-10000, got 0'],
  'sip.timers.t1': ['0', 'expected an integer 1-60000, got 0'],
  'sip.timers.t2': ['1.5', 'expected an integer 1-600000, got "1.5"'],
  'sip.timers.t4': ['-1', 'expected an integer 1-600000, got -1'],
  'sip.timerC': ['forever', 'expected an integer 1000-86400000, got "forever"'],
  'proxy.defaultRoute': [
    'http://127.0.0.1',
    'expected a sip: or sips: URI such as sip:127.0.0.1:5080, got "http://127.0.0.1"',
  ],
  'proxy.mode': ['stateless-ish', 'expected one of stateful|stateless, got "stateless-ish"'],
  'proxy.recordRoute': ['maybe', 'expected true or false, got "maybe"'],
  'proxy.domains': ['example..com', 'expected a domain name such as example.com, got "example..com"'],
  'store.url': ['mysql://db/sb', 'expected empty (SQLite in dataDir) or a URL such as postgres://'],
  'auth.algorithms': ['SHA-1', 'expected one of MD5|SHA-256'],
  'auth.nonceLifetime': ['0', 'expected an integer 1-86400'],
  'auth.credentialCacheTtl': ['-1', 'expected an integer 0-3600'],
  'auth.nonceSecret': ['short', 'expected a secret of at least 32 characters'],
  'registrar.minExpires': ['-1', 'expected an integer 0-86400, got -1'],
  'registrar.maxExpires': ['0', 'expected an integer 1-604800, got 0'],
  'registrar.defaultExpires': ['1e9', 'expected an integer 1-604800'],
  'registrar.maxContacts': ['0', 'expected an integer 1-1000, got 0'],
  'location.persistence': ['sometimes', 'expected one of write-through|write-back'],
  'location.flushInterval': ['10', 'expected an integer 50-60000'],
  'memory.heapGrowth': ['5', 'expected an integer 10-300, got 5'],
  'memory.collectWhenIdle': ['sometimes', 'expected true or false'],
  'gateways.probeInterval': ['0', 'expected an integer 1-3600, got 0'],
  'gateways.probeTimeout': ['61', 'expected an integer 1-60, got 61'],
  'gateways.probeFailures': ['many', 'expected an integer 1-10, got "many"'],
  'nat.detect': ['512', 'expected an integer 0-511, got 512'],
  'nat.contactAlias': ['maybe', 'expected true or false'],
  'nat.sdpRepair': ['yes please', 'expected true or false'],
  'nat.keepaliveInterval': ['-1', 'expected an integer 0-3600, got -1'],
  'nat.keepaliveTimeout': ['0', 'expected an integer 1-60, got 0'],
  'nat.keepaliveFailures': ['101', 'expected an integer 1-100, got 101'],
  'memory.heapLimit': ['32', 'expected an integer 64-1048576, got 32'],
  'recording.receiver': ['kernel', 'expected one of auto|batch|dgram'],
  'api.enabled': ['maybe', 'expected true or false'],
  'api.port': ['70000', 'expected an integer 0-65535'],
  'api.listen': ['localhost', 'expected an IP address'],
  'api.metricsNeedKey': ['maybe', 'expected true or false'],
  'recording.dir': ['  ', 'expected a directory path'],
  'recording.address': ['nowhere', 'expected an IP address'],
  'recording.advertisedAddress': ['nat.example', 'expected an IP address'],
  'recording.portMin': ['80', 'expected an integer 1024-65534'],
  'recording.portMax': ['70000', 'expected an integer 1025-65535'],
  'recording.mediaServer': ['127.0.0.1', 'expected host:port such as 127.0.0.1:2223'],
  'recording.mediaTimeout': ['0', 'expected an integer 1-3600'],
  'recording.retentionDays': ['-1', 'expected an integer 0-36500'],
  'recording.streamBatchPackets': ['0', 'expected an integer 1-10000'],
  'recording.streamBatchInterval': ['5', 'expected an integer 10-60000'],
  'recording.streamToken': ['two words', 'expected a bearer token'],
  'media.relay': ['kernel', 'expected one of builtin|rtpengine, got "kernel"'],
  'media.rtpengine': ['rtpengine', 'expected host:port'],
  'media.address': ['nowhere', 'expected an IP address'],
  'media.advertisedAddress': ['nat.example', 'expected an IP address'],
  'media.portMin': ['80', 'expected an integer 1024-65534'],
  'media.portMax': ['70000', 'expected an integer 1025-65535'],
  'media.timeout': ['0', 'expected an integer 1-3600, got 0'],
  'media.dscp': ['184', 'expected a DSCP 0-63, got 184: that is a TOS byte'],
  'media.consentTimeout': ['0', 'expected an integer 1-300, got 0'],
  'media.workers': ['-1', 'expected an integer 0-64, got -1'],
  'trunks.timeZone': ['Mars/Olympus', 'expected an IANA time zone'],
  'trunks.noReplyTimeout': ['10', 'expected an integer 100-120000, got 10'],
  'trunks.failoverCodes': ['408,486', 'expected a list of 408, 5xx or codes 500-599'],
  'trunks.reloadInterval': ['0', 'expected an integer 1-3600, got 0'],
  'trunks.realm': ['my"realm', 'expected a digest realm'],
  'b2bua.mode': ['sometimes', 'expected one of off|all|trunks|nat, got "sometimes"'],
  'b2bua.passHeaders': ['Via', 'expected a header name starting with X- (or X-*), got "Via"'],
  'b2bua.sessionExpires': ['30', 'expected 0 (off) or an integer 90-86400, got 30'],
  'b2bua.maxCallsPerSubscriber': ['-1', 'expected an integer 0-1000000, got -1'],
  'b2bua.maxCallsPerDomain': ['x', 'expected an integer 0-1000000, got "x"'],
  'b2bua.maxCallsPerTrunk': ['1000001', 'expected an integer 0-1000000, got 1000001'],
  'b2bua.maxCallRate': ['-3', 'expected an integer 0-1000000, got -3'],
  'b2bua.emergencyNumbers': ['11a', 'expected a number of 1-15 digits such as 112, got "11a"'],
  'b2bua.anchorMedia': ['perhaps', 'expected true or false, got "perhaps"'],
  'b2bua.maxCallDuration': ['-1', 'expected an integer 0-604800, got -1'],
  'b2bua.mediaTimeout': ['-5', 'expected an integer 0-86400, got -5'],
  'b2bua.journalHeartbeat': ['0', 'expected an integer 1-3600, got 0'],
  'b2bua.journalStaleAfter': ['1', 'expected an integer 2-86400, got 1'],
  'edge.flood.requests': ['-1', 'expected an integer 0-1000000, got -1'],
  'edge.flood.window': ['0', 'expected an integer 1-3600, got 0'],
  'edge.flood.banTime': ['0', 'expected an integer 1-604800, got 0'],
  'edge.authFailures.count': ['ten', 'expected an integer 0-1000000, got "ten"'],
  'edge.authFailures.window': ['0', 'expected an integer 1-86400, got 0'],
  'edge.authFailures.banTime': ['0', 'expected an integer 1-604800, got 0'],
  'edge.scanners.userAgents': ['bad\u0007agent', 'expected a User-Agent fragment'],
  'edge.scanners.banTime': ['0', 'expected an integer 1-604800, got 0'],
  'edge.allow': ['10.0.0.0/33', 'expected an IP address or network such as 203.0.113.0/24'],
  'edge.maxSources': ['10', 'expected an integer 100-10000000, got 10'],
  'edge.banPollInterval': ['-1', 'expected an integer 0-3600, got -1'],
  'overload.maxServerTransactions': ['-5', 'expected an integer 0-10000000, got -5'],
  'overload.maxEventLoopDelay': ['fast', 'expected an integer 0-60000, got "fast"'],
  'overload.retryAfter': ['0', 'expected an integer 1-3600, got 0'],
};

describe('validation errors', () => {
  it('has a bad-value case for every key', () => {
    expect(Object.keys(BAD).sort()).toEqual(KEYS.map((k) => k.key).sort());
  });

  it.each(KEYS.map((spec) => [spec.key, spec] as const))(
    '%s: names the key, the source and the fix',
    (key, spec) => {
      const [text, phrase] = BAD[key]!;
      // A blank variable counts as unset, so the blank data directory comes as a flag.
      const viaFlag = key === 'dataDir' || key === 'recording.dir';
      const flagName = key === 'dataDir' ? 'dataDir' : 'recordingDir';
      const options = viaFlag ? { argvFlags: { [flagName]: text } } : { env: { [spec.env]: text } };
      const [line, ...rest] = problemsOf(options);
      expect(rest).toEqual([]);
      expect(line).toContain(`${key}: ${phrase}`);
      expect(line).toContain(`from ${viaFlag ? spec.flag : spec.env}`);
      const fix = spec.flag
        ? `(set ${spec.env} or ${spec.flag})`
        : `(set ${spec.env} or "${key}" in the config file)`;
      expect(line!.endsWith(fix)).toBe(true);
    },
  );

  it('formats the port error as documented', () => {
    expect(problemsOf({ argvFlags: { sipPort: 'abc' } })).toEqual([
      'sip.port: expected an integer 1-65535, got "abc" from --sip-port (set SWITCHBOARD_SIP_PORT or --sip-port)',
    ]);
  });

  it('reports every problem at once, in layer order', () => {
    const lines = problemsOf({
      env: { SWITCHBOARD_LOG_LEVEL: 'loud', SWITCHBOARD_SIP_PORT: '70000' },
      argvFlags: { proxyMode: 'x', sipTransports: '' },
    });
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'logLevel',
      'sip.port',
      'sip.transports',
      'proxy.mode',
    ]);
  });

  it('throws a ConfigError carrying key and message per problem', () => {
    try {
      loadConfig({ argvFlags: { sipPort: '0' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const error = e as ConfigError;
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]!.key).toBe('sip.port');
      expect(error.message).toContain('sip.port: expected an integer 1-65535, got 0');
    }
  });

  it('rejects empty and duplicated lists', () => {
    expect(problemsOf({ argvFlags: { sipListen: ',' } })[0]).toContain(
      'sip.listen: expected at least one entry, got an empty list',
    );
    expect(problemsOf({ argvFlags: { sipTransports: 'udp,udp' } })[0]).toContain(
      'sip.transports: "udp" is listed twice',
    );
  });

  it('checks that T2 is not below T1', () => {
    expect(
      problemsOf({ env: { SWITCHBOARD_SIP_TIMERS_T1: '1000', SWITCHBOARD_SIP_TIMERS_T2: '500' } }),
    ).toEqual([
      'sip.timers.t2: expected at least sip.timers.t1 (1000), got 500 (set SWITCHBOARD_SIP_TIMERS_T2 or "sip.timers.t2" in the config file)',
    ]);
  });

  it('checks that the NAT keep-alive timeout fits in its interval (unless keep-alives are off)', () => {
    expect(
      problemsOf({
        env: { SWITCHBOARD_NAT_KEEPALIVE_INTERVAL: '4', SWITCHBOARD_NAT_KEEPALIVE_TIMEOUT: '5' },
      }),
    ).toEqual([
      'nat.keepaliveTimeout: expected at most nat.keepaliveInterval (4), got 5 (set SWITCHBOARD_NAT_KEEPALIVE_TIMEOUT or "nat.keepaliveTimeout" in the config file)',
    ]);
    expect(loadConfig({ env: { SWITCHBOARD_NAT_KEEPALIVE_INTERVAL: '0' } }).nat.keepaliveInterval).toBe(0);
  });

  it('checks that SIP over WebSocket on the API port has an API to share', () => {
    const on = { SWITCHBOARD_SIP_WEBSOCKET_ON_API_PORT: 'true' };
    expect(problemsOf({ env: { ...on, SWITCHBOARD_API_ENABLED: 'false' } })).toEqual([
      'sip.websocketOnApiPort: expected a node that runs the API (api.enabled true, proxy.mode stateful), got true while api.enabled is false (set SWITCHBOARD_SIP_WEBSOCKET_ON_API_PORT=false, or turn the API on)',
    ]);
    expect(problemsOf({ env: { ...on, SWITCHBOARD_PROXY_MODE: 'stateless' } })).toEqual([
      'sip.websocketOnApiPort: expected a node that runs the API (api.enabled true, proxy.mode stateful), got true while proxy.mode stateless runs no API (set SWITCHBOARD_SIP_WEBSOCKET_ON_API_PORT=false, or turn the API on)',
    ]);
    expect(loadConfig({ env: on }).sip.websocketOnApiPort).toBe(true);
    expect(loadConfig({}).sip.websocketOnApiPort).toBe(false);
  });

  it('checks that the journal stale threshold is at least two heartbeats', () => {
    expect(
      problemsOf({
        env: { SWITCHBOARD_B2BUA_JOURNAL_HEARTBEAT: '30', SWITCHBOARD_B2BUA_JOURNAL_STALE_AFTER: '45' },
      }),
    ).toEqual([
      'b2bua.journalStaleAfter: expected at least twice b2bua.journalHeartbeat (60), got 45 (set SWITCHBOARD_B2BUA_JOURNAL_STALE_AFTER or "b2bua.journalStaleAfter" in the config file)',
    ]);
    const config = loadConfig({
      env: { SWITCHBOARD_B2BUA_JOURNAL_HEARTBEAT: '30', SWITCHBOARD_B2BUA_JOURNAL_STALE_AFTER: '60' },
    });
    expect(config.b2bua).toMatchObject({ journalHeartbeat: 30, journalStaleAfter: 60 });
    expect(loadConfig({}).b2bua).toMatchObject({ journalHeartbeat: 10, journalStaleAfter: 60 });
  });

  it('checks that the registrar default interval lies between its minimum and maximum', () => {
    expect(
      problemsOf({
        env: { SWITCHBOARD_REGISTRAR_MIN_EXPIRES: '600', SWITCHBOARD_REGISTRAR_MAX_EXPIRES: '300' },
      }),
    ).toEqual([
      'registrar.maxExpires: expected at least registrar.minExpires (600), got 300 (set SWITCHBOARD_REGISTRAR_MAX_EXPIRES or "registrar.maxExpires" in the config file)',
      'registrar.defaultExpires: expected between registrar.minExpires (600) and registrar.maxExpires (300), got 3600 (set SWITCHBOARD_REGISTRAR_DEFAULT_EXPIRES or "registrar.defaultExpires" in the config file)',
    ]);
    expect(problemsOf({ env: { SWITCHBOARD_REGISTRAR_DEFAULT_EXPIRES: '30' } })).toEqual([
      'registrar.defaultExpires: expected between registrar.minExpires (60) and registrar.maxExpires (7200), got 30 (set SWITCHBOARD_REGISTRAR_DEFAULT_EXPIRES or "registrar.defaultExpires" in the config file)',
    ]);
  });

  it('rejects a sip: URI the proxy could not parse, with the parser reason', () => {
    const [line] = problemsOf({ argvFlags: { defaultRoute: 'sip:' } });
    expect(line).toMatch(
      /^proxy\.defaultRoute: expected a sip: or sips: URI such as sip:127\.0\.0\.1:5080, got "sip:" \(.+\)/,
    );
  });

  it('accepts the addresses and URIs operators use', () => {
    const config = loadConfig({
      argvFlags: {
        sipListen: ['0.0.0.0,::,127.0.0.1,::1'],
        sipAdvertisedAddress: '203.0.113.7',
        defaultRoute: 'sip:127.0.0.1:5080;transport=tcp',
      },
    });
    expect(config.sip.listen).toEqual(['0.0.0.0', '::', '127.0.0.1', '::1']);
    expect(config.sip.advertisedAddress).toBe('203.0.113.7');
  });
});
