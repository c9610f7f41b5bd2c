import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NAT_TESTS,
  isPrivateAddress,
  NatTest,
  natedContact,
  natUacTest,
} from '../../../../src/edge/nat/index.js';
import { invite, natSource, privateSdp } from './messages.js';

describe('private addresses (nat_uac_test flag 1)', () => {
  it('knows RFC 1918, RFC 6598 and unique local IPv6, and leaves loopback and public addresses out', () => {
    for (const a of [
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.1.20',
      '100.64.0.1',
      '100.127.255.1',
      '192.0.0.5',
      'fd00::1',
      '[fc12::5]',
      '::ffff:10.1.1.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of [
      '127.0.0.1',
      '172.32.0.1',
      '100.128.0.1',
      '203.0.113.9',
      '8.8.8.8',
      '::1',
      '2001:db8::1',
      'phone.example.com',
      '',
    ]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });
});

describe('nat_uac_test', () => {
  it('finds a phone behind NAT by its private Contact, its Via host and its Via port (19)', () => {
    const request = invite();
    expect(natUacTest(request, natSource, NatTest.privateContact)).toBe(true);
    expect(natUacTest(request, natSource, NatTest.viaReceived)).toBe(true);
    expect(natUacTest(request, natSource, NatTest.viaPort)).toBe(true);
    expect(natUacTest(request, natSource, DEFAULT_NAT_TESTS)).toBe(true);
  });

  it('finds nothing for a phone whose Via and Contact say where it really is', () => {
    const request = invite({ via: '203.0.113.9:40312', contact: '<sip:alice@203.0.113.9:40312>' });
    expect(natUacTest(request, natSource, DEFAULT_NAT_TESTS | NatTest.contactPort)).toBe(false);
  });

  it('tests each flag alone: a public Contact with a NATed Via port', () => {
    const request = invite({ via: '203.0.113.9:5060', contact: '<sip:alice@203.0.113.9:5060>' });
    expect(natUacTest(request, natSource, NatTest.privateContact)).toBe(false);
    expect(natUacTest(request, natSource, NatTest.viaReceived)).toBe(false);
    expect(natUacTest(request, natSource, NatTest.viaPort)).toBe(true);
    expect(natUacTest(request, natSource, NatTest.contactPort)).toBe(true);
    // The default port counts when the Via names none.
    const noPort = invite({ via: '203.0.113.9', contact: '<sip:alice@203.0.113.9>' });
    expect(natUacTest(noPort, { ...natSource, port: 5060 }, NatTest.viaPort | NatTest.contactPort)).toBe(
      false,
    );
  });

  it('reads private SDP addresses (8) and SDP addresses other than the source (256)', () => {
    const withSdp = invite({
      via: '203.0.113.9:40312',
      contact: '<sip:alice@203.0.113.9:40312>',
      sdp: privateSdp,
    });
    expect(natUacTest(withSdp, natSource, NatTest.privateSdp)).toBe(true);
    expect(natUacTest(withSdp, natSource, NatTest.sdpSource)).toBe(true);
    expect(natUacTest(invite({ via: '203.0.113.9:40312' }), natSource, NatTest.privateSdp)).toBe(false);
  });

  it('flags private sources (32), private Vias (4) and WebSocket (64)', () => {
    const request = invite({ via: '203.0.113.9:40312', contact: '<sip:alice@203.0.113.9:40312>' });
    expect(natUacTest(request, { ...natSource, address: '10.9.9.9' }, NatTest.privateSource)).toBe(true);
    expect(natUacTest(request, natSource, NatTest.privateSource | NatTest.privateVia)).toBe(false);
    expect(natUacTest(invite(), natSource, NatTest.privateVia)).toBe(true);
    expect(natUacTest(request, { ...natSource, protocol: 'wss' }, NatTest.webSocket)).toBe(true);
  });

  it('takes a broken Contact as no evidence rather than throwing', () => {
    const request = invite({ contact: '<sip:alice@192.168.1.20:5060' });
    expect(natUacTest(request, natSource, NatTest.privateContact)).toBe(false);
    expect(natUacTest(request, natSource, 0)).toBe(false);
  });
});

describe('natedContact (a registration behind NAT)', () => {
  it('is a private contact host, or a contact that is not where the REGISTER came from', () => {
    expect(natedContact('sip:alice@192.168.1.20:5060', natSource)).toBe(true);
    expect(natedContact('sip:alice@203.0.113.9:5060', natSource)).toBe(true);
    expect(natedContact('sip:alice@203.0.113.9:40312', natSource)).toBe(false);
    expect(
      natedContact('sip:alice@127.0.0.1:5070', { protocol: 'udp', address: '127.0.0.1', port: 5070 }),
    ).toBe(false);
    expect(natedContact('sip:alice@127.0.0.1', { protocol: 'udp', address: '127.0.0.1', port: 5060 })).toBe(
      false,
    );
    expect(natedContact('not a uri', natSource)).toBe(false);
  });
});
