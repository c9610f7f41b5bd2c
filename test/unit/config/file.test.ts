import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { files, problemsOf } from './helpers.js';

const load = (content: unknown) => problemsOf({ file: 'sb.json', readText: files({ 'sb.json': content }) });

describe('config file', () => {
  it('names an unknown key and suggests the close one', () => {
    expect(load({ sip: { prot: 5070 } })).toEqual([
      'sip.prot: unknown key in sb.json (did you mean "sip.port"?)',
    ]);
  });

  it('suggests across case and separator slips', () => {
    expect(load({ sip: { max_message_size: 4096 } })[0]).toContain('did you mean "sip.maxMessageSize"?');
    expect(load({ LogLevel: 'info' })[0]).toContain('did you mean "logLevel"?');
    expect(load({ proxy: { defaultroute: 'sip:a' } })[0]).toContain('did you mean "proxy.defaultRoute"?');
    expect(load({ sipp: {} })[0]).toBe('sipp: unknown key in sb.json (did you mean "sip"?)');
  });

  it('lists the known keys when nothing is close', () => {
    expect(load({ proxy: { carrierGateways: [] } })).toEqual([
      'proxy.carrierGateways: unknown key in sb.json (known keys here: proxy.defaultRoute, proxy.mode, proxy.recordRoute, proxy.domains)',
    ]);
  });

  it('reports bad values with the file and how to fix them', () => {
    expect(load({ sip: { port: '5060' } })).toEqual([
      'sip.port: expected an integer 1-65535, got "5060" in sb.json (fix "sip.port" there, or set SWITCHBOARD_SIP_PORT or --sip-port)',
    ]);
  });

  it('reports a section that is not an object', () => {
    expect(load({ sip: 5060 })).toEqual(['sip: expected an object of sip.* keys in sb.json, got 5060']);
  });

  it('collects every problem in the file', () => {
    const lines = load({ sip: { port: 0, timers: { t3: 1 } }, proxy: { mode: 'fast' }, extra: true });
    // The file's shape first (unknown keys), then its values.
    expect(lines.map((l) => l.split(':')[0])).toEqual(['sip.timers.t3', 'extra', 'sip.port', 'proxy.mode']);
  });

  it('reports invalid JSON, a non-object and a missing file', () => {
    expect(load('{ "sip": ')[0]).toMatch(/^config file sb\.json: not valid JSON \(.+\)$/);
    expect(load([1, 2])).toEqual(['config file sb.json: expected a JSON object, got [1,2]']);
    expect(problemsOf({ file: 'missing.json', readText: files({}) })[0]).toMatch(
      /^config file missing\.json: cannot read it \(ENOENT.*; set --config or SWITCHBOARD_CONFIG to a readable JSON file\)$/,
    );
  });

  it('accepts a complete file', () => {
    const config = loadConfig({
      file: 'sb.json',
      readText: files({
        'sb.json': {
          dataDir: '/srv/sb',
          logLevel: 'debug',
          sip: {
            port: 5070,
            listen: ['127.0.0.1'],
            transports: ['tcp'],
            advertisedAddress: 'sip.example.com',
            maxMessageSize: 8192,
            timers: { t1: 250, t2: 2000, t4: 2500 },
            timerC: 200000,
          },
          proxy: {
            defaultRoute: 'sip:127.0.0.1:5080',
            mode: 'stateless',
            recordRoute: false,
            domains: ['example.com'],
          },
        },
      }),
    });
    expect(config.sip.transports).toEqual(['tcp']);
    expect(config.proxy.recordRoute).toBe(false);
  });
});
