import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { builtinRelayConfig } from '../../../src/node-media.js';
import { files, problemsOf } from './helpers.js';

// media.dscp and media.consentTimeout: what they accept, what an operator who thinks in
// rtpengine's tos=184 is told, and what reaches the built-in relay.

describe('media.dscp', () => {
  it('defaults to EF (46) and takes 0-63 from the environment or the file', () => {
    expect(loadConfig({}).media.dscp).toBe(46);
    expect(loadConfig({ env: { SWITCHBOARD_MEDIA_DSCP: '0' } }).media.dscp).toBe(0);
    const readText = files({ 'sb.json': { media: { dscp: 34 } } });
    expect(loadConfig({ file: 'sb.json', readText }).media.dscp).toBe(34);
  });

  it("refuses rtpengine's TOS byte with the DSCP it stands for, naming the key and the fix", () => {
    expect(problemsOf({ env: { SWITCHBOARD_MEDIA_DSCP: '184' } })).toEqual([
      'media.dscp: expected a DSCP 0-63, got 184: that is a TOS byte (rtpengine\'s tos=184); its DSCP is 46 from SWITCHBOARD_MEDIA_DSCP (set SWITCHBOARD_MEDIA_DSCP or "media.dscp" in the config file)',
    ]);
    const readText = files({ 'sb.json': { media: { dscp: 185 } } });
    expect(problemsOf({ file: 'sb.json', readText })[0]).toMatch(
      /^media\.dscp: expected a DSCP 0-63, got 185: .*its DSCP is 46 \(and ECN bits, which are not set here\) in sb\.json \(fix "media\.dscp" there/,
    );
  });

  it('refuses what is no DSCP at all', () => {
    for (const bad of ['EF', '-1', '256', '4.5'])
      expect(problemsOf({ env: { SWITCHBOARD_MEDIA_DSCP: bad } })[0]).toMatch(
        /^media\.dscp: expected a DSCP 0-63 \(46: EF, 0: unmarked\), got /,
      );
  });
});

describe('media.consentTimeout', () => {
  it('defaults to RFC 7675 §5.1 30 s and takes 1-300', () => {
    expect(loadConfig({}).media.consentTimeout).toBe(30);
    expect(loadConfig({ env: { SWITCHBOARD_MEDIA_CONSENT_TIMEOUT: '5' } }).media.consentTimeout).toBe(5);
    expect(problemsOf({ env: { SWITCHBOARD_MEDIA_CONSENT_TIMEOUT: '301' } })[0]).toMatch(
      /^media\.consentTimeout: expected an integer 1-300, got 301 from SWITCHBOARD_MEDIA_CONSENT_TIMEOUT/,
    );
  });
});

describe('the built-in relay from the media keys', () => {
  it('gets the DSCP as it is and the consent timeout in milliseconds', () => {
    const media = loadConfig({
      env: { SWITCHBOARD_MEDIA_DSCP: '34', SWITCHBOARD_MEDIA_CONSENT_TIMEOUT: '7' },
    }).media;
    expect(builtinRelayConfig(media, '192.0.2.1')).toMatchObject({
      address: '192.0.2.1',
      dscp: 34,
      consentMs: 7000,
      timeoutMs: 60_000,
    });
  });
});
