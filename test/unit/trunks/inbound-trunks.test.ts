import { describe, expect, it } from 'vitest';
import { InboundTrunks } from '../../../src/trunks/index.js';
import { trunk } from './fixtures.js';

describe('inbound trunk recognition', () => {
  const inbound = new InboundTrunks([
    trunk('wide', { inboundCidrs: ['203.0.113.0/24', '2001:db8::/32'] }),
    trunk('narrow', { inboundCidrs: ['203.0.113.7'], inboundUsername: 'narrow-in', inboundPassword: 'pw' }),
    trunk('off', { enabled: false, inboundCidrs: ['198.51.100.0/24'], inboundUsername: 'off-in' }),
  ]);

  it('by source address, the most specific network first, IPv4 and IPv6', () => {
    expect(inbound.bySourceAddress('203.0.113.7')?.name).toBe('narrow');
    expect(inbound.bySourceAddress('203.0.113.8')?.name).toBe('wide');
    expect(inbound.bySourceAddress('2001:db8::5')?.name).toBe('wide');
    expect(inbound.bySourceAddress('192.0.2.1')).toBeUndefined();
    // Asked again (cached), the same answers.
    expect(inbound.bySourceAddress('203.0.113.7')?.name).toBe('narrow');
    expect(inbound.bySourceAddress('192.0.2.1')).toBeUndefined();
  });

  it('by digest username; disabled trunks are not recognised at all', () => {
    expect(inbound.byDigestUsername('narrow-in')?.name).toBe('narrow');
    expect(inbound.byDigestUsername('off-in')).toBeUndefined();
    expect(inbound.bySourceAddress('198.51.100.9')).toBeUndefined();
    expect(inbound.hasCredentials).toBe(true);
    expect(new InboundTrunks([trunk('x')]).hasCredentials).toBe(false);
  });
});
