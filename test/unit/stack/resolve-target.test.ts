import { describe, expect, it } from 'vitest';
import { parseUri } from '../../../src/sip/message/index.js';
import { resolveTarget } from '../../../src/sip/stack/index.js';

describe('resolveTarget (RFC 3263 §4)', () => {
  it('gives an IP literal its target at once, not a promise', () => {
    expect(resolveTarget(parseUri('sip:bob@192.0.2.20'))).toEqual({
      protocol: 'udp',
      address: '192.0.2.20',
      port: 5060,
    });
    expect(resolveTarget(parseUri('sip:[2001:db8::1]:5070;transport=tcp'))).toEqual({
      protocol: 'tcp',
      address: '2001:db8::1',
      port: 5070,
    });
    expect(resolveTarget(parseUri('sips:bob@192.0.2.20'))).toEqual({
      protocol: 'tls',
      address: '192.0.2.20',
      port: 5061,
    });
  });

  it('sends to maddr when given (an IP literal there needs no DNS either)', () => {
    expect(resolveTarget(parseUri('sip:bob@example.com;maddr=[2001:db8::2]'))).toEqual({
      protocol: 'udp',
      address: '2001:db8::2',
      port: 5060,
    });
  });

  it('looks a name up: a promise', async () => {
    const pending = resolveTarget(parseUri('sip:bob@localhost:5080'));
    expect(pending).toBeInstanceOf(Promise);
    const target = await pending;
    expect(target.port).toBe(5080);
    expect(['127.0.0.1', '::1']).toContain(target.address);
  });

  it('refuses a URI that is not SIP with 416', () => {
    expect(() => resolveTarget(parseUri('tel:+15550100'))).toThrow(expect.objectContaining({ status: 416 }));
  });
});
