import { SipParseError } from './errors.js';
import { Parameters, parametersEnd, parseParametersTo } from './params.js';
import { isTokenChar, skipWhitespace } from './scan.js';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with this. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** One Via value: `SIP/2.0/UDP host:port;branch=...;received=...;rport` (RFC 3261 §20.42, RFC 3581). */
export class Via {
  constructor(
    /** Upper-case transport as written in the sent-protocol (UDP, TCP, TLS, WS, WSS, SCTP...). */
    public transport: string,
    public host: string,
    public port?: number,
    public params: Parameters = new Parameters(),
    public protocolName = 'SIP',
    public protocolVersion = '2.0',
  ) {}

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }

  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }

  /** rport: undefined when absent, null when present without a value, else the port. */
  get rport(): number | null | undefined {
    const v = this.params.get('rport');
    if (v === undefined) return undefined;
    return v === null ? null : Number(v);
  }

  /** Host without IPv6 brackets. */
  get hostname(): string {
    return this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
  }

  clone(): Via {
    return new Via(
      this.transport,
      this.host,
      this.port,
      this.params.clone(),
      this.protocolName,
      this.protocolVersion,
    );
  }

  toString(): string {
    const port = this.port !== undefined ? ':' + this.port : '';
    return `${this.protocolName}/${this.protocolVersion}/${this.transport} ${this.host}${port}${this.params}`;
  }
}

/** End of the token starting at `i`. */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function expect(s: string, i: number, char: string): number {
  i = skipWhitespace(s, i);
  if (s[i] !== char) throw new SipParseError(`Via: expected "${char}"`);
  return skipWhitespace(s, i + 1);
}

/** The usual sent-protocol parts as shared strings, not a copy cut from each message. */
const knownParts = ['SIP', '2.0', 'UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'];

/** s[start, end), upper-cased when `upper`; a known part is returned as its shared string. */
function part(s: string, start: number, end: number, upper: boolean): string {
  for (const known of knownParts) {
    if (known.length !== end - start) continue;
    let i = 0;
    while (i < known.length && s.charCodeAt(start + i) === known.charCodeAt(i)) i++;
    if (i === known.length) return known;
  }
  const text = s.slice(start, end);
  return upper ? text.toUpperCase() : text;
}

/**
 * Short sent-by hosts seen lately (`10.0.0.7`): a proxy hears from few peers, so each is one shared
 * string, not a copy per Via. V8 copies a cut under 13 characters (a longer one is a slice of
 * the message, as cheap): only those are kept, and a slice never keeps an old message alive.
 */
const recentHosts: string[] = ['', '', '', '', '', '', '', ''];
let nextRecentHost = 0;

function sentByHost(s: string, start: number, end: number): string {
  const length = end - start;
  if (length >= 13) return s.slice(start, end);
  for (const known of recentHosts) if (known.length === length && s.startsWith(known, start)) return known;
  const host = s.slice(start, end);
  recentHosts[nextRecentHost] = host;
  nextRecentHost = (nextRecentHost + 1) & 7;
  return host;
}

/** RFC 3581 §3: rport is empty or a port number. */
function isPortNumber(v: string): boolean {
  if (v.length === 0 || v.length > 5) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    n = n * 10 + d;
  }
  return n <= 65535;
}

/** Parse a single Via value (one element of the comma-separated list). */
export function parseVia(value: string): Via {
  const s = value;
  const nameStart = skipWhitespace(s, 0);
  const nameEnd = tokenEnd(s, nameStart);
  const versionStart = expect(s, nameEnd, '/');
  const versionEnd = tokenEnd(s, versionStart);
  const transportStart = expect(s, versionEnd, '/');
  const transportEnd = tokenEnd(s, transportStart);
  if (nameEnd === nameStart || versionEnd === versionStart || transportEnd === transportStart)
    throw new SipParseError('Via: malformed sent-protocol');
  let i = skipWhitespace(s, transportEnd);
  const hostStart = i;
  let host: string;
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SipParseError('Via: unterminated IPv6 reference');
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      const ok =
        (c >= 0x30 && c <= 0x39) ||
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x61 && c <= 0x7a) ||
        c === 0x2d ||
        c === 0x2e ||
        c === 0x5f;
      if (!ok) break;
      i++;
    }
    host = sentByHost(s, hostStart, i);
  }
  if (!host) throw new SipParseError('Via: missing sent-by host');
  i = skipWhitespace(s, i);
  let port: number | undefined;
  if (s[i] === ':') {
    i = skipWhitespace(s, i + 1);
    const start = i;
    let n = 0;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) {
      if (i - start < 5) n = n * 10 + s.charCodeAt(i) - 0x30;
      i++;
    }
    if (i === start || i - start > 5 || n > 65535) throw new SipParseError('Via: invalid port');
    port = n;
  }
  const params = parseParametersTo(s, i);
  if (parametersEnd < s.length) throw new SipParseError('Via: unexpected characters');
  const rport = params.get('rport');
  if (typeof rport === 'string' && !isPortNumber(rport)) throw new SipParseError('Via: invalid rport');
  return new Via(
    part(s, transportStart, transportEnd, true),
    host,
    port,
    params,
    part(s, nameStart, nameEnd, false),
    part(s, versionStart, versionEnd, false),
  );
}
