import { SipParseError } from './errors.js';
import { Parameters, parseParameters } from './params.js';
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

function readToken(s: string, i: number): [string, number] {
  const start = i;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return [s.slice(start, i), i];
}

function expect(s: string, i: number, char: string): number {
  i = skipWhitespace(s, i);
  if (s[i] !== char) throw new SipParseError(`Via: expected "${char}"`);
  return skipWhitespace(s, i + 1);
}

/** Parse a single Via value (one element of the comma-separated list). */
export function parseVia(value: string): Via {
  const s = value;
  let i = skipWhitespace(s, 0);
  const [name, afterName] = readToken(s, i);
  const [version, afterVersion] = readToken(s, expect(s, afterName, '/'));
  const [transport, afterTransport] = readToken(s, expect(s, afterVersion, '/'));
  i = afterTransport;
  if (!name || !version || !transport) throw new SipParseError('Via: malformed sent-protocol');
  i = skipWhitespace(s, i);
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
    host = s.slice(hostStart, i);
  }
  if (!host) throw new SipParseError('Via: missing sent-by host');
  i = skipWhitespace(s, i);
  let port: number | undefined;
  if (s[i] === ':') {
    i = skipWhitespace(s, i + 1);
    const start = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    const digits = s.slice(start, i);
    if (digits.length === 0 || digits.length > 5 || Number(digits) > 65535) {
      throw new SipParseError('Via: invalid port');
    }
    port = Number(digits);
  }
  const { params, end } = parseParameters(s, i);
  if (end < s.length) throw new SipParseError('Via: unexpected characters');
  // RFC 3581 §3: rport is empty or a port number.
  const rport = params.get('rport');
  if (typeof rport === 'string' && !(/^\d{1,5}$/.test(rport) && Number(rport) <= 65535)) {
    throw new SipParseError('Via: invalid rport');
  }
  return new Via(transport.toUpperCase(), host, port, params, name, version);
}
