import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';

describe('environment parsing', () => {
  it('reads every kind of value from SWITCHBOARD_* text', () => {
    const config = loadConfig({
      env: {
        SWITCHBOARD_DATA_DIR: '/var/lib/switchboard',
        SWITCHBOARD_SIP_PORT: '5070',
        SWITCHBOARD_SIP_LISTEN: ' 127.0.0.1 , ::1 ',
        SWITCHBOARD_SIP_TRANSPORTS: 'udp',
        SWITCHBOARD_SIP_MAX_MESSAGE_SIZE: '4096',
        SWITCHBOARD_SIP_TIMERS_T1: '100',
        SWITCHBOARD_SIP_TIMERS_T2: '400',
        SWITCHBOARD_SIP_TIMERS_T4: '500',
        SWITCHBOARD_SIP_TIMER_C: '60000',
        SWITCHBOARD_PROXY_MODE: 'stateless',
        SWITCHBOARD_PROXY_RECORD_ROUTE: 'no',
        SWITCHBOARD_PROXY_DOMAINS: 'Example.COM,voip.example.org',
      },
    });
    expect(config.dataDir).toBe('/var/lib/switchboard');
    expect(config.sip).toMatchObject({
      port: 5070,
      listen: ['127.0.0.1', '::1'],
      transports: ['udp'],
      maxMessageSize: 4096,
      timers: { t1: 100, t2: 400, t4: 500 },
      timerC: 60000,
    });
    expect(config.proxy).toMatchObject({
      mode: 'stateless',
      recordRoute: false,
      domains: ['example.com', 'voip.example.org'],
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['ON', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['off', false],
  ])('reads boolean %j as %j', (text, value) => {
    expect(loadConfig({ env: { SWITCHBOARD_PROXY_RECORD_ROUTE: text } }).proxy.recordRoute).toBe(value);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ env: { SWITCHBOARD_SIP_PORT: '', SWITCHBOARD_PROXY_DEFAULT_ROUTE: '  ' } });
    expect(config.sip.port).toBe(5060);
    expect(config.proxy.defaultRoute).toBeUndefined();
  });

  it('ignores SWITCHBOARD_* variables that are not configuration keys', () => {
    expect(() =>
      loadConfig({ env: { SWITCHBOARD_REQUIRE_PEERS: '1', SWITCHBOARD_SIP_PROT: 'x' } }),
    ).not.toThrow();
  });
});
