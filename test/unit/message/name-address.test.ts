import { describe, expect, it } from 'vitest';
import {
  NameAddress,
  parseNameAddress,
  SipParseError,
  type SipUri,
  unquote,
} from '../../../src/sip/message/index.js';
import { checkRequest } from '../../../src/sip/parser/index.js';
import { parseRequest, request } from './fixtures.js';

describe('name-addr and addr-spec (RFC 3261 §20.10, §25.1)', () => {
  it('parses a quoted display name, keeping it as written', () => {
    const na = parseNameAddress('"Alice Liddell" <sip:alice@atlanta.com>;tag=1928301774');
    expect(na.displayName).toBe('"Alice Liddell"');
    expect(unquote(na.displayName!)).toBe('Alice Liddell');
    expect((na.uri as SipUri).host).toBe('atlanta.com');
    expect(na.tag).toBe('1928301774');
    expect(na.angled).toBe(true);
  });

  it('resolves quoted-pairs in the display name', () => {
    const na = parseNameAddress('"A \\"quoted\\" \\\\ name" <sip:a@example.com>');
    expect(na.displayName).toBe('"A \\"quoted\\" \\\\ name"');
    expect(unquote(na.displayName!)).toBe('A "quoted" \\ name');
  });

  it("ignores '<', '>', ',' and ';' inside the quoted display name", () => {
    const na = parseNameAddress('"Bob <boss>, Jr; \\"x\\"" <sip:bob@biloxi.com>;tag=x');
    expect(unquote(na.displayName!)).toBe('Bob <boss>, Jr; "x"');
    expect((na.uri as SipUri).user).toBe('bob');
    expect(na.tag).toBe('x');
  });

  it('accepts an empty quoted display name and no space before <', () => {
    const na = parseNameAddress('""<sip:a@example.com>');
    expect(na.displayName).toBe('""');
    expect(unquote(na.displayName!)).toBe('');
  });

  it('parses an unquoted display name of tokens separated by LWS', () => {
    const na = parseNameAddress('Bob  Smith <sip:bob@biloxi.com>;tag=a6c85cf');
    expect(na.displayName).toBe('Bob  Smith');
    expect(na.tag).toBe('a6c85cf');
  });

  it('parses <URI> without display name', () => {
    const na = parseNameAddress('<sip:bob@biloxi.com>;tag=a6c85cf');
    expect(na.displayName).toBeUndefined();
    expect(na.angled).toBe(true);
  });

  it('gives the parameters after an addr-spec to the header, not to the URI', () => {
    const na = parseNameAddress('sip:bob@biloxi.com;tag=a6c85cf;transport=tcp');
    expect(na.angled).toBe(false);
    const uri = na.uri as SipUri;
    expect(uri.params.size).toBe(0);
    expect(uri.toString()).toBe('sip:bob@biloxi.com');
    expect(na.tag).toBe('a6c85cf');
    expect(na.params.get('transport')).toBe('tcp');
  });

  it('gives the parameters inside <> to the URI and those after it to the header', () => {
    const na = parseNameAddress('<sip:bob@biloxi.com;transport=tcp;lr>;tag=x;expires=60');
    const uri = na.uri as SipUri;
    expect(uri.params.get('transport')).toBe('tcp');
    expect(uri.looseRouting).toBe(true);
    expect(uri.params.has('tag')).toBe(false);
    expect(na.tag).toBe('x');
    expect(na.params.get('expires')).toBe('60');
    expect(na.params.has('transport')).toBe(false);
  });

  it('keeps the user part of an addr-spec with a password', () => {
    const na = parseNameAddress('sip:alice:pw@atlanta.com;tag=1');
    expect((na.uri as SipUri).password).toBe('pw');
    expect(na.tag).toBe('1');
  });

  it('allows LWS around the header parameter separators and quoted parameter values', () => {
    const na = parseNameAddress('<sip:a@example.com> ; q = 0.7 ;x="a;b,c" ; flag');
    expect(na.params.get('q')).toBe('0.7');
    expect(na.params.get('x')).toBe('"a;b,c"');
    expect(na.params.get('flag')).toBeNull();
  });

  it('accepts tel and absolute URIs in <>', () => {
    expect(parseNameAddress('<tel:+15551234>;tag=1').uri.kind).toBe('tel');
    expect(parseNameAddress('"W" <mailto:watson@bell-telephone.com>').uri.kind).toBe('absolute');
  });

  it('serializes always with <> and keeps display name and parameters', () => {
    expect(parseNameAddress('sip:bob@biloxi.com;tag=1').toString()).toBe('<sip:bob@biloxi.com>;tag=1');
    expect(parseNameAddress('"A B" <sip:a@b.example.com;lr>;x=1').toString()).toBe(
      '"A B" <sip:a@b.example.com;lr>;x=1',
    );
    const na = new NameAddress(parseNameAddress('<sip:c@d.example.com>').uri);
    na.params.set('tag', 'abc');
    expect(na.toString()).toBe('<sip:c@d.example.com>;tag=abc');
  });

  const invalid: Array<[string, string]> = [
    ['"Alice <sip:alice@atlanta.com>', 'unterminated quoted display name'],
    ['"Alice" sip:alice@atlanta.com', 'quoted display name without <URI>'],
    ['<sip:alice@atlanta.com', 'unterminated <'],
    ['Bob@home <sip:bob@biloxi.com>', "'@' in an unquoted display name"],
    ['<sip:a@example.com> junk', 'junk after the URI'],
    ['<sip:a@example.com>;tag=1 junk', 'junk after the parameters'],
    ['<sip:a@example.com>;', 'empty parameter'],
    ['<sip:a@example.com>;tag=', 'empty parameter value'],
    ['<sip:a@example.com>;x="abc', 'unterminated quoted parameter value'],
    ['sip:a@example.com?subject=x', "addr-spec with '?'"],
    ['sip:a@example.com,sip:b@example.com', "addr-spec with ','"],
    ['<sip:a b@example.com>', 'space inside the URI'],
    ['<>', 'empty URI'],
    ['', 'empty value'],
    ['*', "'*'"],
  ];
  for (const [value, why] of invalid) {
    it(`rejects ${why}: ${JSON.stringify(value)}`, () => {
      expect(() => parseNameAddress(value)).toThrow(SipParseError);
    });
  }
});

describe('Contact header values', () => {
  it('splits the §20.10 example on the commas outside quotes', () => {
    const m = parseRequest(
      request([
        'Contact: "Mr. Watson, Jr" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600,',
        ' "Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1',
      ]),
    );
    const contacts = m.contacts;
    expect(contacts).not.toBe('*');
    if (contacts === '*') return;
    expect(contacts).toHaveLength(2);
    expect(unquote(contacts[0]!.displayName!)).toBe('Mr. Watson, Jr');
    expect(contacts[0]!.params.get('q')).toBe('0.7');
    expect(contacts[0]!.params.get('expires')).toBe('3600');
    expect(contacts[1]!.uri.kind).toBe('absolute');
    expect(contacts[1]!.params.get('q')).toBe('0.1');
  });

  it("returns '*' for Contact: * and accepts it in REGISTER only", () => {
    const register = parseRequest(request(['Contact: *', 'Expires: 0'], 'REGISTER'));
    expect(register.contacts).toBe('*');
    expect(checkRequest(register)).toBeUndefined();
    const invite = parseRequest(request(['Contact: *']));
    expect(invite.contacts).toBe('*');
    expect(checkRequest(invite)?.status).toBe(400);
  });

  it("rejects '*' mixed with addresses", () => {
    const m = parseRequest(request(['Contact: *, <sip:a@example.com>'], 'REGISTER'));
    expect(() => m.contacts).toThrow(SipParseError);
    expect(checkRequest(m)?.status).toBe(400);
  });

  it('reads Contact from several lines and the compact form m', () => {
    const m = parseRequest(request(['m: <sip:a@example.com>', 'Contact: <sip:b@example.com>;expires=5']));
    const contacts = m.contacts;
    if (contacts === '*') throw new Error('unexpected *');
    expect(contacts.map((c) => (c.uri as SipUri).user)).toEqual(['a', 'b']);
  });
});

describe('a name-addr URI built when first read', () => {
  it('still rejects a malformed URI when the header is parsed, not later', () => {
    expect(() => parseNameAddress('<sip:alice@exa mple.com>;tag=1')).toThrow(SipParseError);
    expect(() => parseNameAddress('<sip:alice@example.com:99999>')).toThrow('invalid port "99999" in URI');
    expect(() => parseNameAddress('sip:@example.com;tag=1')).toThrow('empty user part in URI');
    expect(() => parseNameAddress('<sip:a@b;;lr>')).toThrow('empty URI parameter');
  });

  it('reads the tag without the URI, then builds the URI as written', () => {
    const na = parseNameAddress('Bob <sips:bob:pw@[2001:db8::1]:5061;transport=tls;lr?Subject=x>;tag=9');
    expect(na.tag).toBe('9');
    const uri = na.uri as SipUri;
    expect([uri.scheme, uri.user, uri.password, uri.host, uri.port, uri.headers]).toEqual([
      'sips',
      'bob',
      'pw',
      '[2001:db8::1]',
      5061,
      'Subject=x',
    ]);
    expect(uri.transportParam).toBe('tls');
    expect(na.uri).toBe(uri); // built once
    expect(na.toString()).toBe('Bob <sips:bob:pw@[2001:db8::1]:5061;transport=tls;lr?Subject=x>;tag=9');
  });

  it('takes a URI set before the parsed one was read, and a clone is independent', () => {
    const na = parseNameAddress('<sip:a@example.com>;tag=1');
    const copy = na.clone();
    na.uri = parseNameAddress('<sip:b@example.org>').uri;
    expect(na.toString()).toBe('<sip:b@example.org>;tag=1');
    expect(copy.toString()).toBe('<sip:a@example.com>;tag=1');
  });
});
