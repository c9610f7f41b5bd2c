import { describe, expect, it } from 'vitest';
import { MAGIC_COOKIE, parseVia, SipParseError, Via } from '../../../src/sip/message/index.js';
import { parseRequest, request, wire } from './fixtures.js';

/** rport must be absent, a flag (null) or a port number: never NaN or out of range. */
function rportOrError(value: string): number | null | undefined | 'error' {
  try {
    return parseVia(value).rport;
  } catch (e) {
    if (e instanceof SipParseError) return 'error';
    throw e;
  }
}

describe('Via (RFC 3261 §20.42, RFC 3581)', () => {
  it('parses sent-protocol, sent-by and branch', () => {
    const v = parseVia('SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds');
    expect(v.protocolName).toBe('SIP');
    expect(v.protocolVersion).toBe('2.0');
    expect(v.transport).toBe('UDP');
    expect(v.host).toBe('pc33.atlanta.com');
    expect(v.port).toBeUndefined();
    expect(v.branch).toBe('z9hG4bK776asdhds');
    expect(v.branch!.startsWith(MAGIC_COOKIE)).toBe(true);
  });

  it('upper-cases the transport and accepts extension transports', () => {
    expect(parseVia('SIP/2.0/tcp h.example.com').transport).toBe('TCP');
    expect(parseVia('SIP/2.0/WSS h.invalid;branch=z9hG4bKx').transport).toBe('WSS');
    expect(parseVia('SIP/2.0/SCTP h.example.com').transport).toBe('SCTP');
  });

  it('parses IPv4 and IPv6 sent-by with ports', () => {
    const v4 = parseVia('SIP/2.0/TCP 192.0.2.1:5070;branch=z9hG4bKa');
    expect(v4.host).toBe('192.0.2.1');
    expect(v4.port).toBe(5070);
    const v6 = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas;received=[2001:db8::9:255]');
    expect(v6.host).toBe('[2001:db8::9:1]');
    expect(v6.hostname).toBe('2001:db8::9:1');
    expect(v6.port).toBe(5070);
    expect(v6.received).toBe('[2001:db8::9:255]');
    const noPort = parseVia('SIP/2.0/UDP [::1];branch=z9hG4bKb');
    expect(noPort.hostname).toBe('::1');
    expect(noPort.port).toBeUndefined();
  });

  it('parses received and distinguishes an rport flag from an rport value', () => {
    const flag = parseVia('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1');
    expect(flag.rport).toBeNull();
    expect(flag.received).toBeUndefined();
    const filled = parseVia('SIP/2.0/UDP 10.0.0.1:5060;received=192.0.2.7;rport=61234;branch=z9hG4bK1');
    expect(filled.rport).toBe(61234);
    expect(filled.received).toBe('192.0.2.7');
    expect(parseVia('SIP/2.0/UDP 10.0.0.1').rport).toBeUndefined();
  });

  it('rejects an rport value that is not a port number (RFC 3581: "rport" [EQUAL 1*DIGIT])', () => {
    for (const bad of ['abc', '12ab', '70000']) {
      const r = rportOrError(`SIP/2.0/UDP 10.0.0.1;rport=${bad};branch=z9hG4bK1`);
      expect(r, `rport=${bad}`).toBe('error');
    }
  });

  it("allows LWS around '/' and ':' (RFC 4475 §3.1.1.1)", () => {
    const v = parseVia(
      'SIP  /   2.0  / UDP   first.example.com:  4000;ttl=16 ;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1',
    );
    expect(v.transport).toBe('UDP');
    expect(v.host).toBe('first.example.com');
    expect(v.port).toBe(4000);
    expect(v.params.get('ttl')).toBe('16');
    expect(v.params.get('maddr')).toBe('224.2.0.1');
    expect(v.branch).toBe('z9hG4bKa7c6a8dlze.1');
    expect(parseVia('SIP/2.0/UDP host.example.com : 5060').port).toBe(5060);
  });

  it('serializes in canonical form', () => {
    const v = parseVia('SIP / 2.0 / udp h.example.com : 5060 ; branch=z9hG4bK1 ; rport');
    expect(v.toString()).toBe('SIP/2.0/UDP h.example.com:5060;branch=z9hG4bK1;rport');
    const built = new Via('TLS', '[2001:db8::1]', 5061);
    built.params.set('branch', 'z9hG4bKx');
    expect(built.toString()).toBe('SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKx');
    expect(parseVia(built.toString()).port).toBe(5061);
  });

  const invalid: Array<[string, string]> = [
    ['', 'empty'],
    ['SIP/2.0 h.example.com', 'no transport'],
    ['SIP/2.0/ h.example.com', 'empty transport'],
    ['SIP//UDP h.example.com', 'empty version'],
    ['SIP/2.0/UDP', 'no sent-by'],
    ['SIP/2.0/UDP ;branch=z9hG4bK1', 'empty host'],
    ['SIP/2.0/UDP h.example.com:', 'empty port'],
    ['SIP/2.0/UDP h.example.com:70000', 'port above 65535'],
    ['SIP/2.0/UDP h.example.com:abc', 'non-numeric port'],
    ['SIP/2.0/UDP [2001:db8::1', 'unterminated IPv6 reference'],
    ['SIP/2.0/UDP h.example.com junk', 'junk after sent-by'],
    ['SIP/2.0/UDP h.example.com;branch=', 'empty parameter value'],
    ['SIP/2.0/UDP h.example.com;;branch=z9hG4bK1', 'empty parameter'],
  ];
  for (const [value, why] of invalid) {
    it(`rejects ${why}: ${JSON.stringify(value)}`, () => {
      expect(() => parseVia(value)).toThrow(SipParseError);
    });
  }
});

describe('Via header lines in a message', () => {
  const message = () =>
    parseRequest(
      wire([
        'INVITE sip:bob@biloxi.example.com SIP/2.0',
        'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 , SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2',
        'To: <sip:bob@biloxi.example.com>',
        'v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3',
        'From: <sip:alice@atlanta.example.com>;tag=1',
        'Call-ID: 1@x',
        'CSeq: 1 INVITE',
        'Content-Length: 0',
      ]),
    );

  it('reads comma-separated and separate lines as one list, in order', () => {
    const m = message();
    expect(m.via.map((v) => v.host)).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    expect(m.topVia?.branch).toBe('z9hG4bK1');
    expect(m.count('via')).toBe(2);
    expect(m.getAll('via')).toHaveLength(3);
  });

  it("removeFirstValue('via') leaves the remaining Vias as a fresh parse reads them", () => {
    const m = parseRequest(request(['Via: SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2;rport=7']));
    const hosts = m.via.map((v) => v.host);
    expect(hosts).toHaveLength(2);
    m.removeFirstValue('via');
    expect(m.via.map((v) => v.host)).toEqual(hosts.slice(1));
    expect(m.via.map(String)).toEqual(parseRequest(m.toBuffer()).via.map(String));
    expect(m.topVia?.rport).toBe(7);
  });

  it("removeFirstValue('via') removes only the top value of a combined line", () => {
    const m = message();
    expect(m.topVia?.host).toBe('a.example.com'); // fills the cache, which must be dropped
    expect(m.removeFirstValue('via')).toBe('SIP/2.0/UDP a.example.com;branch=z9hG4bK1');
    expect(m.via.map((v) => v.host)).toEqual(['b.example.com', 'c.example.com']);
    expect(m.count('via')).toBe(2);
    const text = m.toString();
    expect(text).toContain('\r\nVia: SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2\r\n');
    // The untouched compact line keeps its bytes.
    expect(text).toContain('\r\nv: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n');
    expect(m.removeFirstValue('via')).toBe('SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2');
    expect(m.count('via')).toBe(1);
    expect(m.removeFirstValue('via')).toBe('SIP/2.0/UDP c.example.com;branch=z9hG4bK3');
    expect(m.has('via')).toBe(false);
    expect(m.via).toEqual([]);
    expect(m.removeFirstValue('via')).toBeUndefined();
  });

  it('lets a Via value be prepended above the existing ones', () => {
    const m = parseRequest(request());
    m.prepend('via', 'SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp');
    expect(m.via.map((v) => v.host)).toEqual(['proxy.example.com', 'pc33.atlanta.example.com']);
  });

  it('throws SipParseError from the accessor for a malformed Via', () => {
    const m = parseRequest(request(['Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1, garbage']));
    expect(() => m.via).toThrow(SipParseError);
  });
});
