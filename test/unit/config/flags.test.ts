import { describe, expect, it } from 'vitest';
import { flagAttribute, KEYS, loadConfig } from '../../../src/config/index.js';

describe('CLI flag values', () => {
  it('maps long flags to commander attribute names', () => {
    expect(flagAttribute('--sip-port')).toBe('sipPort');
    expect(flagAttribute('--sip-advertised-address')).toBe('sipAdvertisedAddress');
    expect(flagAttribute('--domain')).toBe('domain');
  });

  it('accepts repeated and comma-separated list flags', () => {
    const config = loadConfig({
      argvFlags: { domain: ['a.example,b.example', 'c.example'], sipListen: ['::'] },
    });
    expect(config.proxy.domains).toEqual(['a.example', 'b.example', 'c.example']);
    expect(config.sip.listen).toEqual(['::']);
  });

  it('has the flags the documentation promises', () => {
    const flags = Object.fromEntries(KEYS.filter((k) => k.flag).map((k) => [k.key, k.flag]));
    expect(flags).toEqual({
      dataDir: '--data-dir',
      logLevel: '--log-level',
      'sip.port': '--sip-port',
      'sip.listen': '--sip-listen',
      'sip.transports': '--sip-transports',
      'sip.advertisedAddress': '--sip-advertised-address',
      'tls.port': '--tls-port',
      'tls.certificate': '--tls-certificate',
      'tls.key': '--tls-key',
      'ws.port': '--ws-port',
      'wss.port': '--wss-port',
      'proxy.defaultRoute': '--default-route',
      'proxy.mode': '--proxy-mode',
      'proxy.domains': '--domain',
      'b2bua.mode': '--b2bua-mode',
      'store.url': '--store-url',
      'memory.heapLimit': '--heap-limit',
      'api.port': '--api-port',
      'api.listen': '--api-listen',
      'recording.dir': '--recording-dir',
      'recording.address': '--recording-address',
      'recording.mediaServer': '--media-server',
      'media.relay': '--media-relay',
      'media.rtpengine': '--media-rtpengine',
    });
  });

  it('ignores options that are not configuration keys', () => {
    expect(loadConfig({ argvFlags: { json: true, sipPort: '5070' } }).sip.port).toBe(5070);
  });
});
