import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, resolveConfig } from '../../../src/config/index.js';
import { files } from './helpers.js';

describe('loadConfig layering: defaults < file < environment < flags', () => {
  it('returns the embedded defaults when nothing is given', () => {
    expect(loadConfig({})).toEqual(defaultConfig());
    expect(defaultConfig()).toEqual({
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
        timerC: 180000,
      },
      tls: { port: 5061, clientCertificates: 'none', verifyServer: true, engine: 'native' },
      ws: { port: 8088 },
      wss: { port: 8089 },
      proxy: { mode: 'stateful', recordRoute: true, domains: [] },
      auth: { algorithms: ['MD5'], nonceLifetime: 300, credentialCacheTtl: 10 },
      registrar: { minExpires: 60, maxExpires: 7200, defaultExpires: 3600, maxContacts: 5 },
      location: { persistence: 'write-back', flushInterval: 1000 },
      memory: { heapGrowth: 20, collectWhenIdle: true },
      gateways: { probeInterval: 30, probeTimeout: 5, probeFailures: 1 },
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
      media: {
        relay: 'builtin',
        rtpengine: '127.0.0.1:2223',
        portMin: 30000,
        portMax: 40000,
        timeout: 60,
        dscp: 46,
        consentTimeout: 30,
        workers: 0,
      },
      trunks: {
        timeZone: 'UTC',
        noReplyTimeout: 3000,
        failoverCodes: ['408', '5xx'],
        reloadInterval: 5,
        realm: 'switchboard',
      },
      b2bua: {
        mode: 'off',
        passHeaders: [],
        maxCallDuration: 21_600,
        sessionExpires: 1800,
        mediaTimeout: 60,
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
        flood: { requests: 16, window: 2, banTime: 300 },
        authFailures: { count: 10, window: 60, banTime: 600 },
        scanners: {
          userAgents: [
            'friendly-scanner',
            'sipvicious',
            'sipcli',
            'sip-scan',
            'VaxSIPUserAgent',
            'pplsip',
            'iWar',
            'sundayddr',
            'SIVuS',
          ],
          banTime: 3600,
        },
        allow: [],
        maxSources: 100000,
        banPollInterval: 5,
      },
      overload: { maxServerTransactions: 50000, maxEventLoopDelay: 200, retryAfter: 5 },
    });
  });

  it('hands out a fresh default object each time', () => {
    const a = defaultConfig();
    a.sip.listen.push('::1');
    expect(defaultConfig().sip.listen).toEqual(['0.0.0.0']);
  });

  it('lets each layer override the one below, key by key', () => {
    const readText = files({
      'sb.json': {
        sip: { port: 5061, transports: ['udp'], timers: { t1: 200 } },
        logLevel: 'debug',
        dataDir: '/f',
      },
    });
    const env = { SWITCHBOARD_SIP_PORT: '5062', SWITCHBOARD_LOG_LEVEL: 'warn' };
    const argvFlags = { sipPort: '5063', config: 'sb.json' };
    const { config, sources } = resolveConfig({ argvFlags, env, readText });
    expect(config.sip.port).toBe(5063);
    expect(config.logLevel).toBe('warn');
    expect(config.dataDir).toBe('/f');
    expect(config.sip.transports).toEqual(['udp']);
    expect(config.sip.timers).toEqual({ t1: 200, t2: 4000, t4: 5000 });
    expect(sources.get('sip.port')).toEqual({ kind: 'flag', name: '--sip-port' });
    expect(sources.get('logLevel')).toEqual({ kind: 'env', name: 'SWITCHBOARD_LOG_LEVEL' });
    expect(sources.get('dataDir')).toEqual({ kind: 'file', path: 'sb.json' });
    expect(sources.get('sip.maxMessageSize')).toEqual({ kind: 'default' });
  });

  it('replaces lists rather than merging them', () => {
    const readText = files({ 'sb.json': { proxy: { domains: ['a.example', 'b.example'] } } });
    const config = loadConfig({ file: 'sb.json', env: { SWITCHBOARD_PROXY_DOMAINS: 'c.example' }, readText });
    expect(config.proxy.domains).toEqual(['c.example']);
  });

  it('finds the file from the explicit option, then --config, then SWITCHBOARD_CONFIG', () => {
    const readText = files({
      'explicit.json': { sip: { port: 1001 } },
      'flag.json': { sip: { port: 1002 } },
      'env.json': { sip: { port: 1003 } },
    });
    const env = { SWITCHBOARD_CONFIG: 'env.json' };
    expect(
      loadConfig({ file: 'explicit.json', argvFlags: { config: 'flag.json' }, env, readText }).sip.port,
    ).toBe(1001);
    expect(loadConfig({ argvFlags: { config: 'flag.json' }, env, readText }).sip.port).toBe(1002);
    expect(loadConfig({ env, readText }).sip.port).toBe(1003);
  });

  it('reads a real file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
    const path = join(dir, 'switchboard.json');
    writeFileSync(path, JSON.stringify({ proxy: { defaultRoute: 'sip:127.0.0.1:5080', mode: 'stateless' } }));
    const config = loadConfig({ argvFlags: { config: path } });
    expect(config.proxy).toMatchObject({ defaultRoute: 'sip:127.0.0.1:5080', mode: 'stateless' });
  });

  it('clears an optional key set below with null in the file', () => {
    const readText = files({ 'sb.json': { proxy: { defaultRoute: null } } });
    const config = loadConfig({ file: 'sb.json', readText });
    expect(config.proxy.defaultRoute).toBeUndefined();
    expect('defaultRoute' in config.proxy).toBe(false);
  });

  it('takes optional keys from any layer', () => {
    const config = loadConfig({
      env: { SWITCHBOARD_SIP_ADVERTISED_ADDRESS: 'sip.example.com' },
      argvFlags: { defaultRoute: 'sips:trunk.example.com;transport=tcp' },
    });
    expect(config.sip.advertisedAddress).toBe('sip.example.com');
    expect(config.proxy.defaultRoute).toBe('sips:trunk.example.com;transport=tcp');
  });
});
