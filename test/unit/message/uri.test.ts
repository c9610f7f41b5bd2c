import { describe, expect, it } from 'vitest';
import {
  AbsoluteUri,
  parseSipUriStrict,
  parseUri,
  SipParseError,
  SipUri,
  TelUri,
  unescapeUriPart,
  uriEquals,
} from '../../../src/sip/message/index.js';

function sip(text: string): SipUri {
  const uri = parseUri(text);
  expect(uri).toBeInstanceOf(SipUri);
  return uri as SipUri;
}

describe('SIP and SIPS URIs (RFC 3261 §19.1.1, §25.1)', () => {
  it('parses the plain form', () => {
    const u = sip('sip:alice@atlanta.com');
    expect(u.scheme).toBe('sip');
    expect(u.user).toBe('alice');
    expect(u.password).toBeUndefined();
    expect(u.host).toBe('atlanta.com');
    expect(u.port).toBeUndefined();
    expect(u.params.size).toBe(0);
    expect(u.headers).toBeUndefined();
  });

  it('lower-cases the scheme, keeps sips', () => {
    expect(sip('SIP:alice@atlanta.com').scheme).toBe('sip');
    expect(sip('sIpS:alice@atlanta.com:5061').scheme).toBe('sips');
    expect(sip('sips:alice@atlanta.com:5061').port).toBe(5061);
  });

  it('accepts a URI without user part', () => {
    const u = sip('sip:atlanta.com');
    expect(u.user).toBeUndefined();
    expect(u.host).toBe('atlanta.com');
  });

  it('keeps escapes in the user as written and unescapes on demand', () => {
    const u = sip('sip:%61lice%20smith@atlanta.com');
    expect(u.user).toBe('%61lice%20smith');
    expect(unescapeUriPart(u.user!)).toBe('alice smith');
    expect(u.toString()).toBe('sip:%61lice%20smith@atlanta.com');
  });

  it("keeps ';' in the user part (it is user-unreserved) and does not take it for a parameter", () => {
    const u = sip('sip:alice;day=tuesday@atlanta.com');
    expect(u.user).toBe('alice;day=tuesday');
    expect(u.host).toBe('atlanta.com');
    expect(u.params.size).toBe(0);
  });

  it('splits user and password at the first colon', () => {
    const u = sip('sip:alice:secretword@atlanta.com;transport=tcp');
    expect(u.user).toBe('alice');
    expect(u.password).toBe('secretword');
    expect(u.transportParam).toBe('tcp');
  });

  it('parses a telephone-subscriber user with password and user=phone (§19.1.3)', () => {
    const u = sip('sip:+1-212-555-1212:1234@gateway.com;user=phone');
    expect(u.user).toBe('+1-212-555-1212');
    expect(u.password).toBe('1234');
    expect(u.host).toBe('gateway.com');
    expect(u.params.get('user')).toBe('phone');
  });

  it('parses IPv4 hosts with and without port', () => {
    expect(sip('sip:alice@192.0.2.4').host).toBe('192.0.2.4');
    const u = sip('sip:alice@192.0.2.4:5070');
    expect(u.host).toBe('192.0.2.4');
    expect(u.port).toBe(5070);
  });

  it('parses IPv6 references with and without port', () => {
    const u = sip('sip:[2001:db8::10]:5070');
    expect(u.host).toBe('[2001:db8::10]');
    expect(u.hostname).toBe('2001:db8::10');
    expect(u.port).toBe(5070);
    const v = sips('sips:bob@[2001:DB8::1]');
    expect(v.user).toBe('bob');
    expect(v.hostname).toBe('2001:db8::1');
    expect(v.port).toBeUndefined();
    // IPv4-mapped form: dots are allowed inside the reference.
    expect(sip('sip:[::ffff:192.0.2.1]').hostname).toBe('::ffff:192.0.2.1');
  });

  it('accepts the port bounds 0 and 65535', () => {
    expect(sip('sip:h.example.com:0').port).toBe(0);
    expect(sip('sip:h.example.com:65535').port).toBe(65535);
  });

  it('host names compare case-insensitively through hostname', () => {
    expect(sip('sip:alice@AtLanTa.CoM').hostname).toBe('atlanta.com');
  });

  it('parses parameters with and without values, names case-insensitive', () => {
    const u = sip('sip:atlanta.com;method=REGISTER;lr;Transport=TCP;maddr=239.255.255.1;ttl=15');
    expect(u.params.get('method')).toBe('REGISTER');
    expect(u.params.get('lr')).toBeNull();
    expect(u.params.has('LR')).toBe(true);
    expect(u.looseRouting).toBe(true);
    expect(u.params.get('transport')).toBe('TCP');
    expect(u.transportParam).toBe('tcp');
    expect(u.params.get('maddr')).toBe('239.255.255.1');
    expect(u.params.get('ttl')).toBe('15');
    expect(u.params.get('absent')).toBeUndefined();
    expect([...u.params].map(([n]) => n)).toEqual(['method', 'lr', 'Transport', 'maddr', 'ttl']);
  });

  it("takes everything after '?' as the header part", () => {
    const u = sip('sips:alice@atlanta.com?subject=project%20x&priority=urgent');
    expect(u.headers).toBe('subject=project%20x&priority=urgent');
    expect(u.params.size).toBe(0);
    const v = sip('sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com');
    expect(v.user).toBeUndefined();
    expect(v.params.get('method')).toBe('REGISTER');
    expect(v.headers).toBe('to=alice%40atlanta.com');
  });

  it('round-trips the §19.1.3 examples through toString', () => {
    for (const text of [
      'sip:alice@atlanta.com',
      'sip:alice:secretword@atlanta.com;transport=tcp',
      'sips:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:+1-212-555-1212:1234@gateway.com;user=phone',
      'sips:1212@gateway.com',
      'sip:alice@192.0.2.4',
      'sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com',
      'sip:alice;day=tuesday@atlanta.com',
      'sip:[2001:db8::10]:5070;lr',
    ]) {
      expect(parseUri(text).toString()).toBe(text);
      expect(parseUri(text).clone().toString()).toBe(text);
    }
  });

  it('parseSipUriStrict refuses other schemes with 416', () => {
    expect(parseSipUriStrict('sip:a@b.example.com').host).toBe('b.example.com');
    try {
      parseSipUriStrict('tel:+15551234');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SipParseError);
      expect((e as SipParseError).status).toBe(416);
    }
  });
});

function sips(text: string): SipUri {
  const u = sip(text);
  expect(u.scheme).toBe('sips');
  return u;
}

describe('tel and absolute URIs', () => {
  it('parses tel URIs with parameters (RFC 3966)', () => {
    const t = parseUri('tel:+1-201-555-0123');
    expect(t).toBeInstanceOf(TelUri);
    expect((t as TelUri).number).toBe('+1-201-555-0123');
    const local = parseUri('tel:7042;phone-context=example.com;isub=12') as TelUri;
    expect(local.kind).toBe('tel');
    expect(local.number).toBe('7042');
    expect(local.params.get('phone-context')).toBe('example.com');
    expect(local.toString()).toBe('tel:7042;phone-context=example.com;isub=12');
  });

  it('keeps other absolute URIs verbatim', () => {
    for (const text of [
      'http://www.example.com/alice/photo.jpg',
      'mailto:watson@bell-telephone.com',
      'urn:service:sos',
      'soap.beep://192.0.2.103:3002',
    ]) {
      const u = parseUri(text);
      expect(u).toBeInstanceOf(AbsoluteUri);
      expect(u.toString()).toBe(text);
    }
    expect((parseUri('HTTP://x.example.com/') as AbsoluteUri).scheme).toBe('http');
  });
});

describe('invalid URIs are rejected with SipParseError', () => {
  const invalid: Array<[string, string]> = [
    ['', 'empty'],
    ['alice@atlanta.com', 'no scheme'],
    ['1sip:alice@atlanta.com', 'scheme starting with a digit'],
    [':alice@atlanta.com', 'empty scheme'],
    ['sip:', 'nothing after the scheme'],
    ['sip:alice@', 'empty host'],
    ['sip:@atlanta.com', 'empty user'],
    ['sip:alice@:5060', 'port without host'],
    ['sip:alice@atlanta.com:', 'empty port'],
    ['sip:alice@atlanta.com:5o60', 'non-digit port'],
    ['sip:alice@atlanta.com:65536', 'port above 65535'],
    ['sip:alice@atlanta.com:123456', 'six-digit port'],
    ['sip:alice@atl anta.com', 'space'],
    ['sip:alice@atlanta.com\t', 'tab'],
    ['sip:alice@atlanta.com>', "'>'"],
    ['sip:<alice@atlanta.com', "'<'"],
    ['sip:"alice"@atlanta.com', "'\"'"],
    ['sip:alice@atlanta.com\x00', 'NUL'],
    ['sip:alice@atlanta.com\x7f', 'DEL'],
    ['sip:alic\xe9@atlanta.com', 'non-ASCII octet'],
    ['sip:alice@host!name.com', 'invalid host character'],
    ['sip:alice@atlanta.com;', 'empty parameter'],
    ['sip:alice@atlanta.com;lr;;x', 'empty parameter in the middle'],
    ['sip:alice@atlanta.com;=udp', 'parameter without name'],
    ['sip:[2001:db8::1', 'unterminated IPv6 reference'],
    ['sip:[2001:db8::g]', 'non-hex IPv6 reference'],
    ['sip:[::1]x', 'junk after IPv6 reference'],
    ['sip:[::1]:', 'empty port after IPv6 reference'],
    ['sip:[]', 'empty IPv6 reference'],
    ['tel:', 'tel without number'],
    ['tel:;phone-context=x', 'tel with empty number'],
  ];
  for (const [text, why] of invalid) {
    it(`rejects ${why}: ${JSON.stringify(text)}`, () => {
      expect(() => parseUri(text)).toThrow(SipParseError);
    });
  }
});

describe('URI comparison (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string) => uriEquals(parseUri(a), parseUri(b));

  // The pairs are the examples printed in §19.1.4; each is checked in both directions.
  const equal: Array<[string, string]> = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
  ];
  const notEqual: Array<[string, string, string]> = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP', 'different usernames'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060', 'can resolve to different ports'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp', 'can resolve to different transports'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp', 'different port and transport'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting', 'different header component'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4', 'no DNS resolution when comparing'],
  ];

  for (const [a, b] of equal) {
    it(`${a} == ${b}`, () => {
      expect(eq(a, b)).toBe(true);
      expect(eq(b, a)).toBe(true);
    });
  }
  for (const [a, b, why] of notEqual) {
    it(`${a} != ${b} (${why})`, () => {
      expect(eq(a, b)).toBe(false);
      expect(eq(b, a)).toBe(false);
    });
  }

  it('is not transitive: security=on and security=off differ though both equal the bare URI', () => {
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=off')).toBe(true);
    expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(false);
  });

  it('sip and sips never match', () => {
    expect(eq('sip:alice@atlanta.com', 'sips:alice@atlanta.com')).toBe(false);
  });

  it('compares user, ttl, method, maddr, transport even when present on one side only', () => {
    for (const p of ['user=phone', 'ttl=1', 'method=INVITE', 'maddr=192.0.2.1', 'transport=tcp']) {
      expect(eq('sip:1234@gw.example.com', `sip:1234@gw.example.com;${p}`)).toBe(false);
      expect(eq(`sip:1234@gw.example.com;${p}`, `sip:1234@gw.example.com;${p}`)).toBe(true);
    }
  });

  it('compares passwords case-sensitively and escapes decoded', () => {
    expect(eq('sip:alice:pw@atlanta.com', 'sip:alice:PW@atlanta.com')).toBe(false);
    expect(eq('sip:alice:p%77@atlanta.com', 'sip:alice:pw@atlanta.com')).toBe(true);
  });

  it('compares IPv6 references case-insensitively', () => {
    expect(eq('sip:[2001:DB8::1]:5060', 'sip:[2001:db8::1]:5060')).toBe(true);
  });
});
