import { describe, expect, it } from 'vitest';
import { AllowList } from '../../../src/edge/index.js';

describe('AllowList', () => {
  it('allows addresses inside the configured networks, IPv4 and IPv6', () => {
    const allow = new AllowList(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    expect(allow.allows('10.200.3.4')).toBe(true);
    expect(allow.allows('192.0.2.7')).toBe(true);
    expect(allow.allows('192.0.2.8')).toBe(false);
    expect(allow.allows('2001:db8::1')).toBe(true);
    expect(allow.allows('2001:db9::1')).toBe(false);
    expect(allow.allows('not-an-ip')).toBe(false);
  });

  it('matches IPv4 networks of any length, and only well-formed addresses', () => {
    const all = new AllowList(['0.0.0.0/0']);
    expect(all.allows('203.0.113.1')).toBe(true);
    expect(all.allows('256.1.1.1')).toBe(false);
    expect(all.allows('1.2.3')).toBe(false);
    expect(all.allows('1.2.3.4.5')).toBe(false);
    const narrow = new AllowList(['192.0.2.128/25']);
    expect(narrow.allows('192.0.2.129')).toBe(true);
    expect(narrow.allows('192.0.2.127')).toBe(false);
  });

  it("asks the trunks' networks for the rest", () => {
    const trunks = new Set(['203.0.113.5']);
    const allow = new AllowList([], (a) => trunks.has(a));
    expect(allow.allows('203.0.113.5')).toBe(true);
    expect(allow.allows('203.0.113.6')).toBe(false);
  });

  it('refuses a malformed network', () => {
    expect(() => new AllowList(['example.com/24'])).toThrow(/example.com/);
  });
});
