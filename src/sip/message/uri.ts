import { SipParseError } from './errors.js';
import { Parameters, parameterName } from './params.js';

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
function assertUriChars(s: string, start: number, end: number): void {
  for (let i = start; i < end; i++) {
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

/** First `c` in s[from, end), or `end`: bounded, so a search never runs into the '?' headers. */
function indexIn(s: string, c: number, from: number, end: number): number {
  while (from < end && s.charCodeAt(from) !== c) from++;
  return from;
}

/**
 * URI parameters `;name[=value]` in s[start, end), `start` at the first ';' (or `end` for none);
 * no quoted strings here (RFC 3261 §25.1). Names and values are cut from `s` in place, into an
 * array of their exact size; with `build` false they are only checked.
 */
function parseUriParameters(s: string, start: number, end: number, build: boolean): Parameters | undefined {
  if (start >= end) return build ? new Parameters() : undefined;
  let count = 1;
  for (let i = start + 1; i < end; i++) if (s.charCodeAt(i) === 0x3b) count++;
  const flat = build ? new Array<string | null>(2 * count) : undefined;
  let from = start + 1;
  for (let p = 0; p < 2 * count; p += 2) {
    const to = indexIn(s, 0x3b, from, end);
    if (to === from) throw new SipParseError('empty URI parameter');
    const eq = indexIn(s, 0x3d, from, to); // within this parameter only: linear on hostile input
    if (eq === from) throw new SipParseError('URI parameter without a name');
    if (flat !== undefined) {
      flat[p] = parameterName(s, from, eq);
      flat[p + 1] = eq === to ? null : s.slice(eq + 1, to);
    }
    from = to + 1;
  }
  return flat && Parameters.fromFlat(flat);
}

/** The port of the last parseHostPort, undefined without one: no result object per URI. */
let parsedPort: number | undefined;

/**
 * Parse host[:port] of a SIP URI in s[start, end); returns the host (with `build`, else '') and
 * leaves the port in `parsedPort`.
 */
function parseHostPort(s: string, start: number, end: number, build: boolean): string {
  let host = '';
  let rest: number; // where what follows the host starts
  if (start < end && s.charCodeAt(start) === 0x5b /* [ */) {
    const close = indexIn(s, 0x5d, start, end);
    if (close === end) throw new SipParseError('unterminated IPv6 reference in URI');
    if (close - start < 3) throw new SipParseError('empty IPv6 reference in URI');
    for (let i = start + 1; i < close; i++) {
      const c = s.charCodeAt(i);
      const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
      if (!hex && c !== 0x3a && c !== 0x2e) throw new SipParseError('invalid IPv6 reference in URI');
    }
    if (build) host = s.slice(start, close + 1);
    rest = close + 1;
  } else {
    rest = indexIn(s, 0x3a, start, end);
    if (rest === start) throw new SipParseError('URI without a host');
    for (let i = start; i < rest; i++) {
      if (!isHostChar(s.charCodeAt(i)))
        throw new SipParseError(`invalid host "${s.slice(start, rest)}" in URI`);
    }
    if (build) host = s.slice(start, rest);
  }
  parsedPort = undefined;
  if (rest === end) return host;
  if (s.charCodeAt(rest) !== 0x3a) throw new SipParseError('unexpected characters after URI host');
  // 1-5 digits, at most 65535
  let port = 0;
  for (let i = rest + 1; i < end; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9 || i - rest > 5) {
      port = -1;
      break;
    }
    port = port * 10 + d;
  }
  if (end - rest < 2 || port < 0 || port > 65535)
    throw new SipParseError(`invalid port "${s.slice(rest + 1, end)}" in URI`);
  parsedPort = port;
  return host;
}

/** A SIP or SIPS URI from s[start, end), which follows the scheme's ':'; only checked without `build`. */
function parseSipUri(
  scheme: 'sip' | 'sips',
  s: string,
  start: number,
  end: number,
  build: boolean,
): SipUri | undefined {
  // userinfo ends at the first '@': '@' cannot appear unescaped anywhere else in a SIP URI.
  let user: string | undefined;
  let password: string | undefined;
  let pos = start;
  const at = indexIn(s, 0x40, start, end);
  if (at < end) {
    const colon = indexIn(s, 0x3a, start, at);
    if (colon === start) throw new SipParseError('empty user part in URI');
    if (build) user = s.slice(start, colon);
    if (build && colon < at) password = s.slice(colon + 1, at);
    pos = at + 1;
  }
  let headers: string | undefined;
  const q = indexIn(s, 0x3f, pos, end);
  if (build && q < end) headers = s.slice(q + 1, end);
  const semi = indexIn(s, 0x3b, pos, q);
  const host = parseHostPort(s, pos, semi, build);
  const port = parsedPort;
  const params = parseUriParameters(s, semi, q, build);
  return params && new SipUri(scheme, host, port, user, password, params, headers);
}

/** Whether s[start, start + word.length) is `word` (lower-case) in any case. */
function isWordAt(s: string, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++)
    if ((s.charCodeAt(start + i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** Parse any URI: SIP/SIPS and tel in detail, other schemes kept verbatim. Throws SipParseError. */
export function parseUri(text: string): Uri {
  return parseUriIn(text, 0, text.length);
}

/** parseUri of s[start, end), without cutting that text out first (header values hold URIs). */
export function parseUriIn(s: string, start: number, end: number): Uri {
  return parseUriAt(s, start, end, true)!;
}

/** Throws what parseUriIn(s, start, end) would, building nothing: a name-addr's URI is built when read. */
export function checkUriIn(s: string, start: number, end: number): void {
  parseUriAt(s, start, end, false);
}

function parseUriAt(s: string, start: number, end: number, build: boolean): Uri | undefined {
  if (end <= start) throw new SipParseError('empty URI');
  assertUriChars(s, start, end);
  let i = start;
  while (i < end && isSchemeChar(s.charCodeAt(i), i === start)) i++;
  if (i === start || i === end || s.charCodeAt(i) !== 0x3a)
    throw new SipParseError(`URI without a scheme: "${s.slice(start, Math.min(end, start + 40))}"`);
  const length = i - start;
  // Scheme characters are letters, digits, '+', '-', '.': OR 0x20 lower-cases only the letters.
  if (length === 3 && isWordAt(s, start, 'sip')) return parseSipUri('sip', s, i + 1, end, build);
  if (length === 4 && isWordAt(s, start, 'sips')) return parseSipUri('sips', s, i + 1, end, build);
  if (length === 3 && isWordAt(s, start, 'tel')) {
    const semi = indexIn(s, 0x3b, i + 1, end);
    if (semi === i + 1) throw new SipParseError('tel URI without a number');
    const params = parseUriParameters(s, semi, end, build);
    return params && new TelUri(s.slice(i + 1, semi), params);
  }
  return build ? new AbsoluteUri(s.slice(start, i).toLowerCase(), s.slice(start, end)) : undefined;
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
