import { describe, expect, it } from 'vitest';
import {
  AllowedSourceError,
  AllowList,
  type Ban,
  EdgeGuard,
  type EdgeGuardOptions,
  ScannerDetector,
} from '../../../src/edge/index.js';
import type { InboundPacket } from '../../../src/sip/transport/index.js';

const LOCAL = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060 };

function packet(
  address: string,
  userAgent = 'baresip',
  firstLine = 'REGISTER sip:example.com SIP/2.0',
): InboundPacket {
  const text = `${firstLine}\r\nVia: SIP/2.0/UDP ${address}:5060;branch=z9hG4bK-x\r\nUser-Agent: ${userAgent}\r\nContent-Length: 0\r\n\r\n`;
  return { data: Buffer.from(text), source: { protocol: 'udp', address, port: 5060 }, local: LOCAL };
}

function guard(overrides: Partial<EdgeGuardOptions> = {}) {
  const clock = { t: 1_000_000 };
  const bans: Array<[Ban, string | undefined]> = [];
  const unbans: string[] = [];
  const g = new EdgeGuard({
    floodRequests: 16,
    floodWindowMs: 2000,
    floodBanMs: 300_000,
    authFailures: 10,
    authBanMs: 600_000,
    scannerBanMs: 3_600_000,
    maxSources: 1000,
    scanners: new ScannerDetector(['friendly-scanner']),
    allow: new AllowList(['10.0.0.0/8']),
    now: () => clock.t,
    onBan: (ban, detail) => bans.push([{ ...ban }, detail]),
    onUnban: (ban) => unbans.push(ban.address),
    ...overrides,
  });
  return { g, clock, bans, unbans };
}

describe('EdgeGuard', () => {
  it('bans a source past 16 requests in 2 s for 300 s and drops it silently until then', () => {
    const { g, clock, bans, unbans } = guard();
    for (let i = 0; i < 16; i++) expect(g.admit(packet('198.51.100.7'))).toBe(true);
    expect(g.admit(packet('198.51.100.7'))).toBe(false);
    expect(bans).toHaveLength(1);
    expect(bans[0]?.[0]).toMatchObject({
      address: '198.51.100.7',
      reason: 'flood',
      until: clock.t + 300_000,
    });
    expect(bans[0]?.[1]).toMatch(/more than 16 requests/);
    clock.t += 299_999;
    expect(g.admit(packet('198.51.100.7'))).toBe(false);
    expect(g.dropped).toEqual({ banned: 1, flood: 1, scanner: 0 });
    // Someone else is served all along.
    expect(g.admit(packet('198.51.100.8'))).toBe(true);
    clock.t += 1;
    expect(g.admit(packet('198.51.100.7'))).toBe(true);
    expect(unbans).toEqual(['198.51.100.7']);
    expect(g.bansIssued.flood).toBe(1);
  });

  it('counts requests only: responses and keep-alives do not use up the budget', () => {
    const { g } = guard({ floodRequests: 2 });
    for (let i = 0; i < 10; i++) {
      expect(g.admit(packet('198.51.100.7', 'x', 'SIP/2.0 200 OK'))).toBe(true);
      expect(g.admit({ ...packet('198.51.100.7'), data: Buffer.from('\r\n\r\n') })).toBe(true);
    }
    expect(g.admit(packet('198.51.100.7'))).toBe(true);
  });

  it('drops a scanner at its first packet and bans its source', () => {
    const { g, bans } = guard();
    expect(g.admit(packet('203.0.113.9', 'friendly-scanner'))).toBe(false);
    expect(g.admit(packet('203.0.113.9'))).toBe(false);
    expect(bans[0]?.[0]).toMatchObject({ reason: 'scanner' });
    expect(g.dropped).toEqual({ banned: 1, flood: 0, scanner: 1 });
  });

  it('never limits nor bans allowed sources', () => {
    const { g, bans } = guard();
    for (let i = 0; i < 100; i++) expect(g.admit(packet('10.1.2.3'))).toBe(true);
    expect(g.admit(packet('10.1.2.3', 'friendly-scanner'))).toBe(true);
    g.authenticationFailed('10.1.2.3', 50);
    expect(() => g.banManually('10.1.2.3', undefined)).toThrow(AllowedSourceError);
    expect(bans).toHaveLength(0);
  });

  it('bans after the configured number of failed authentications', () => {
    const { g, bans } = guard();
    for (let n = 1; n < 10; n++) g.authenticationFailed('198.51.100.20', n);
    expect(bans).toHaveLength(0);
    g.authenticationFailed('198.51.100.20', 10);
    expect(bans[0]?.[0]).toMatchObject({ reason: 'auth', address: '198.51.100.20' });
    expect(g.admit(packet('198.51.100.20'))).toBe(false);
  });

  it('turns each check off with 0 or an empty list', () => {
    const { g, bans } = guard({ floodRequests: 0, authFailures: 0, scanners: new ScannerDetector([]) });
    for (let i = 0; i < 100; i++) expect(g.admit(packet('198.51.100.7', 'friendly-scanner'))).toBe(true);
    g.authenticationFailed('198.51.100.7', 1000);
    expect(bans).toHaveLength(0);
  });

  it('takes manual bans and lifts them', () => {
    const { g, unbans } = guard();
    g.banManually('198.51.100.30', undefined);
    expect(g.admit(packet('198.51.100.30'))).toBe(false);
    expect(g.bans.lift('198.51.100.30')).toBe(true);
    expect(g.admit(packet('198.51.100.30'))).toBe(true);
    expect(unbans).toEqual(['198.51.100.30']);
  });
});
