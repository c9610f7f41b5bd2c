import { SipParseError } from './errors.js';
import { Parameters } from './params.js';

/**
 * SIP and SIPS URIs (RFC 3261 §19.1). Parts are kept as written (escaped form) so that a
 * URI re-serializes exactly; `decode()` gives the unescaped text for comparisons.
 */
export class SipUri {
  constructor(
    public scheme: 'sip' | 'sips',
    public host: string,
    public port?: number,
    public user?: string,
    public password?: string,
    public params: Parameters = new Parameters(),
    /** The raw header part after '?', without the '?'. */
    public headers?: string,
  ) {}

  readonly kind = 'sip' as const;

  /** Host without IPv6 brackets, lower-cased (host names compare case-insensitively). */
  get hostname(): string {
    const h = this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
    return h.toLowerCase();
  }

  get transportParam(): string | undefined {
    const t = this.params.get('transport');
    return t ? t.toLowerCase() : undefined;
  }

  /** `;lr` present: a loose router (RFC 3261 §16.12). */
  get looseRouting(): boolean {
    return this.params.has('lr');
  }

  clone(): SipUri {
    return new SipUri(
      this.scheme,
      this.host,
      this.port,
      this.user,
      this.password,
      this.params.clone(),
      this.headers,
    );
  }

  toString(): string {
    let s = this.scheme + ':';
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += ':' + this.password;
      s += '@';
    }
    s += this.host;
    if (this.port !== undefined) s += ':' + this.port;
    s += this.params.toString();
    if (this.headers !== undefined) s += '?' + this.headers;
    return s;
  }
}

/** tel URIs (RFC 3966): the number and its parameters. */
export class TelUri {
  readonly kind = 'tel' as const;
  constructor(
    public number: string,
    public params: Parameters = new Parameters(),
  ) {}

  get scheme(): 'tel' {
    return 'tel';
  }

  clone(): TelUri {
    return new TelUri(this.number, this.params.clone());
  }

  toString(): string {
    return 'tel:' + this.number + this.params.toString();
  }
}

/** Any other absolute URI (`http:`, `urn:`, `soap.beep:`...), kept verbatim. */
export class AbsoluteUri {
  readonly kind = 'absolute' as const;
  constructor(
    public scheme: string,
    public raw: string,
  ) {}

  clone(): AbsoluteUri {
    return new AbsoluteUri(this.scheme, this.raw);
  }

  toString(): string {
    return this.raw;
  }
}

export type Uri = SipUri | TelUri | AbsoluteUri;

function isSchemeChar(code: number, first: boolean): boolean {
  const alpha = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  if (first) return alpha;
  return alpha || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
}

/** Octets that may never appear unescaped in a URI: controls, space, '<', '>', '"'. */
function assertUriChars(s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      throw new SipParseError(`invalid character 0x${c.toString(16)} in URI`);
    }
  }
}

function isHostChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x2d ||
    code === 0x2e ||
    code === 0x5f
  );
}

/** URI parameters: `;name[=value]` up to '?' or the end; no quoted strings here (RFC 3261 §25.1). */
function parseUriParameters(s: string): Parameters {
  if (s.length === 0) return new Parameters();
  // Names and values cut from `s` in place, into an array of their exact size.
  let count = 1;
  for (let i = 1; i < s.length; i++) if (s.charCodeAt(i) === 0x3b) count++;
  const flat = new Array<string | null>(2 * count);
  let from = 1;
  for (let p = 0; p < 2 * count; p += 2) {
    let to = s.indexOf(';', from);
    if (to < 0) to = s.length;
    if (to === from) throw new SipParseError('empty URI parameter');
    let eq = -1; // within this parameter only: linear on hostile input
    for (let i = from; i < to && eq < 0; i++) if (s.charCodeAt(i) === 0x3d) eq = i;
    if (eq === from) throw new SipParseError('URI parameter without a name');
    flat[p] = s.slice(from, eq < 0 ? to : eq);
    flat[p + 1] = eq < 0 ? null : s.slice(eq + 1, to);
    from = to + 1;
  }
  return Parameters.fromFlat(flat);
}

/** Parse host[:port] of a SIP URI. */
function parseHostPort(s: string): { host: string; port?: number } {
  let host: string;
  let rest: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new SipParseError('unterminated IPv6 reference in URI');
    if (close < 3) throw new SipParseError('empty IPv6 reference in URI');
    host = s.slice(0, close + 1);
    for (let i = 1; i < close; i++) {
      const c = s.charCodeAt(i);
      const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
      if (!hex && c !== 0x3a && c !== 0x2e) throw new SipParseError('invalid IPv6 reference in URI');
    }
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
    if (host.length === 0) throw new SipParseError('URI without a host');
    for (let i = 0; i < host.length; i++) {
      if (!isHostChar(host.charCodeAt(i))) throw new SipParseError(`invalid host "${host}" in URI`);
    }
  }
  if (rest.length === 0) return { host };
  if (rest[0] !== ':') throw new SipParseError('unexpected characters after URI host');
  const digits = rest.slice(1);
  if (!/^[0-9]{1,5}$/.test(digits) || Number(digits) > 65535) {
    throw new SipParseError(`invalid port "${digits}" in URI`);
  }
  return { host, port: Number(digits) };
}

function parseSipUri(scheme: 'sip' | 'sips', s: string): SipUri {
  // userinfo ends at the first '@': '@' cannot appear unescaped anywhere else in a SIP URI.
  let rest = s;
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) password = userinfo.slice(colon + 1);
    if (user.length === 0) throw new SipParseError('empty user part in URI');
  }
  let headers: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const semi = rest.indexOf(';');
  const hostport = semi < 0 ? rest : rest.slice(0, semi);
  const { host, port } = parseHostPort(hostport);
  const params = parseUriParameters(semi < 0 ? '' : rest.slice(semi));
  return new SipUri(scheme, host, port, user, password, params, headers);
}

/** Parse any URI: SIP/SIPS and tel in detail, other schemes kept verbatim. Throws SipParseError. */
export function parseUri(text: string): Uri {
  if (text.length === 0) throw new SipParseError('empty URI');
  assertUriChars(text);
  let i = 0;
  while (i < text.length && isSchemeChar(text.charCodeAt(i), i === 0)) i++;
  if (i === 0 || text[i] !== ':') throw new SipParseError(`URI without a scheme: "${text.slice(0, 40)}"`);
  const scheme = text.slice(0, i).toLowerCase();
  const rest = text.slice(i + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (number.length === 0) throw new SipParseError('tel URI without a number');
    return new TelUri(number, parseUriParameters(semi < 0 ? '' : rest.slice(semi)));
  }
  return new AbsoluteUri(scheme, text);
}

/** Parse a URI that must be SIP or SIPS. */
export function parseSipUriStrict(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.kind !== 'sip') throw new SipParseError(`expected a sip: or sips: URI, got "${text}"`, 416);
  return uri;
}

/** Replace %HH escapes by the octets they encode (as a binary string). Invalid escapes stay. */
export function unescapeUriPart(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const comparedParams = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equality of RFC 3261 §19.1.4 for SIP/SIPS; verbatim (case-insensitive scheme) for others. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== 'sip' || b.kind !== 'sip') {
    if (a.kind === 'tel' && b.kind === 'tel') {
      return a.number.replace(/[-.()]/g, '') === b.number.replace(/[-.()]/g, '');
    }
    return a.toString().toLowerCase() === b.toString().toLowerCase();
  }
  if (a.scheme !== b.scheme) return false;
  if (unescapeUriPart(a.user ?? '') !== unescapeUriPart(b.user ?? '')) return false;
  if (unescapeUriPart(a.password ?? '') !== unescapeUriPart(b.password ?? '')) return false;
  if (a.hostname !== b.hostname || a.port !== b.port) return false;
  for (const name of comparedParams) {
    const va = a.params.get(name);
    const vb = b.params.get(name);
    if ((va === undefined) !== (vb === undefined)) return false;
    if (
      va !== undefined &&
      unescapeUriPart(va ?? '').toLowerCase() !== unescapeUriPart(vb ?? '').toLowerCase()
    ) {
      return false;
    }
  }
  // Other parameters compare only when present in both.
  for (const [name, va] of a.params) {
    const vb = b.params.get(name);
    if (vb === undefined) continue;
    if (unescapeUriPart(va ?? '').toLowerCase() !== unescapeUriPart(vb ?? '').toLowerCase()) return false;
  }
  return sameUriHeaders(a.headers, b.headers);
}

/** §19.1.4: URI header components compare as a set of name=value pairs, escapes decoded. */
function sameUriHeaders(a: string | undefined, b: string | undefined): boolean {
  const normalize = (h: string | undefined) =>
    (h ?? '')
      .split('&')
      .filter((x) => x.length > 0)
      .map((x) => {
        const eq = x.indexOf('=');
        const name = eq < 0 ? x : x.slice(0, eq);
        return `${unescapeUriPart(name).toLowerCase()}=${unescapeUriPart(eq < 0 ? '' : x.slice(eq + 1))}`;
      })
      .sort()
      .join('&');
  return normalize(a) === normalize(b);
}
