import { describe, expect, it } from 'vitest';
import { createResponse, parseVia, SipParseError, type SipRequest } from '../../../src/sip/message/index.js';
import { responseTarget, stampReceived, viaResponseTarget } from '../../../src/sip/transaction/index.js';
import { harness, request } from './helpers.js';

describe('received and rport (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by host differs from the source address, in the header text', () => {
    const req = request('OPTIONS', {
      via: 'SIP/2.0/UDP pc33.example.com',
      lowerVias: ['SIP/2.0/UDP p1;branch=z9hG4bKp'],
    });
    stampReceived(req, { protocol: 'udp', address: '203.0.113.5', port: 5060 });
    expect(req.getAll('via')).toEqual([
      'SIP/2.0/UDP pc33.example.com;branch=z9hG4bK-client-1;received=203.0.113.5',
      'SIP/2.0/UDP p1;branch=z9hG4bKp',
    ]);
    expect(req.toString()).toContain(';received=203.0.113.5');
    expect(req.clone().topVia?.received).toBe('203.0.113.5');
  });

  it('leaves the Via untouched when the host is the source address and there is no rport', () => {
    const req = request('OPTIONS');
    const before = req.toString();
    stampReceived(req, { protocol: 'udp', address: '192.0.2.10', port: 5060 });
    expect(req.toString()).toBe(before);
  });

  it('fills an empty rport and adds received even when the host matches', () => {
    const req = request('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.10:5060;rport' });
    stampReceived(req, { protocol: 'udp', address: '192.0.2.10', port: 40123 });
    expect(req.get('via')).toBe(
      'SIP/2.0/UDP 192.0.2.10:5060;rport=40123;branch=z9hG4bK-client-1;received=192.0.2.10',
    );
  });

  it('keeps a Via split over a comma-separated header value in order', () => {
    const req = request('OPTIONS', {
      via: 'SIP/2.0/UDP a.example;rport;branch=z9hG4bKa, SIP/2.0/UDP b;branch=z9hG4bKb',
      branch: null,
    });
    stampReceived(req, { protocol: 'udp', address: '2001:db8::1', port: 7000 });
    expect(req.getAll('via')).toEqual([
      'SIP/2.0/UDP a.example;rport=7000;branch=z9hG4bKa;received=2001:db8::1',
      'SIP/2.0/UDP b;branch=z9hG4bKb',
    ]);
    expect(req.topVia?.received).toBe('2001:db8::1');
  });

  it('stamps requests before the TU sees them and routes responses to received:rport', () => {
    const h = harness();
    const source = { protocol: 'udp' as const, address: '203.0.113.5', port: 40123 };
    h.layer.receive(request('INVITE', { via: 'SIP/2.0/UDP 10.0.0.2:5060;rport' }), source);
    const { request: req, tx } = h.requests[0]!;
    expect(req.topVia?.received).toBe('203.0.113.5');
    expect(req.topVia?.rport).toBe(40123);
    expect(h.sent[0]!.target).toEqual({ protocol: 'udp', address: '203.0.113.5', port: 40123 });
    const ringing = createResponse(req, 180, undefined, 't');
    expect(ringing.topVia?.rport).toBe(40123);
    tx.respond(ringing);
    expect(h.sent[1]!.target).toEqual(source);
    // A retransmission from the same place is stamped the same way and matches.
    h.layer.receive(request('INVITE', { via: 'SIP/2.0/UDP 10.0.0.2:5060;rport' }), source);
    expect(h.requests).toHaveLength(1);
  });
});

describe('responseTarget (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  const udp = { protocol: 'udp' as const, address: '203.0.113.5', port: 40123 };

  it('over UDP: received and rport, else the sent-by port or 5060', () => {
    expect(viaResponseTarget(parseVia('SIP/2.0/UDP h:5070;received=203.0.113.5;rport=40123'), udp)).toEqual(
      udp,
    );
    expect(viaResponseTarget(parseVia('SIP/2.0/UDP h:5070;received=203.0.113.5'), udp)).toEqual({
      ...udp,
      port: 5070,
    });
    expect(viaResponseTarget(parseVia('SIP/2.0/UDP 203.0.113.5'), udp)).toEqual({ ...udp, port: 5060 });
    expect(viaResponseTarget(parseVia('SIP/2.0/UDP h;rport'), udp)).toEqual(udp);
  });

  it('gives IPv6 addresses without brackets', () => {
    const source = { protocol: 'udp' as const, address: '2001:db8::7', port: 5060 };
    expect(viaResponseTarget(parseVia('SIP/2.0/UDP [2001:db8::7]:5062'), source)).toEqual({
      ...source,
      port: 5062,
    });
  });

  it('over a reliable transport: the connection, then received at the sent-by port or the default', () => {
    const tcp = { protocol: 'tcp' as const, address: '203.0.113.5', port: 51000, connectionId: 'k1' };
    expect(viaResponseTarget(parseVia('SIP/2.0/TCP h:5070;received=203.0.113.5;rport=51000'), tcp)).toEqual({
      protocol: 'tcp',
      address: '203.0.113.5',
      port: 5070,
      connectionId: 'k1',
    });
    const tls = { protocol: 'tls' as const, address: '203.0.113.5', port: 51000, connectionId: 'k2' };
    expect(viaResponseTarget(parseVia('SIP/2.0/TLS h;received=203.0.113.5'), tls).port).toBe(5061);
    const wss = { protocol: 'wss' as const, address: '203.0.113.5', port: 51000, connectionId: 'k3' };
    expect(viaResponseTarget(parseVia('SIP/2.0/WSS df7jal23ls0d.invalid'), wss)).toEqual({
      protocol: 'wss',
      address: '203.0.113.5',
      port: 443,
      connectionId: 'k3',
    });
  });

  it('takes a request for stateless answers, and throws SipParseError without a Via', () => {
    const req = request('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.2:5062;rport' });
    stampReceived(req, udp);
    expect(responseTarget(req, udp)).toEqual(udp);
    const noVia = request('OPTIONS');
    noVia.remove('via');
    expect(() => responseTarget(noVia, udp)).toThrow(SipParseError);
  });

  it('is what a server transaction uses for its responses', () => {
    const h = harness({ sendTrying: false });
    const tcp = { protocol: 'tcp' as const, address: '203.0.113.5', port: 51000, connectionId: 'k1' };
    h.layer.receive(request('MESSAGE', { via: 'SIP/2.0/TCP client.invalid:5070' }), tcp);
    const { request: req, tx } = h.requests[0]!;
    tx.respond(createResponse(req as SipRequest, 202, undefined, 'x'));
    expect(h.sent[0]!.target).toEqual({
      protocol: 'tcp',
      address: '203.0.113.5',
      port: 5070,
      connectionId: 'k1',
    });
  });
});
