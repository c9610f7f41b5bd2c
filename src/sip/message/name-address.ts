import { SipParseError } from './errors.js';
import { Parameters, parametersEnd, parseParametersTo } from './params.js';
import { endOfQuotedString, isTokenChar, isWhitespace, skipWhitespace } from './scan.js';
import { parseUriIn, type Uri } from './uri.js';

/**
 * `name-addr / addr-spec` followed by header parameters (RFC 3261 §20.10, §25.1):
 * the value of From, To, Contact, Route, Record-Route, Path, Refer-To...
 */
export class NameAddress {
  constructor(
    public uri: Uri,
    /** The display name as written (quoted form kept), or undefined. */
    public displayName?: string,
    public params: Parameters = new Parameters(),
    /** Whether the URI was enclosed in <> (always written with <> when serialized). */
    public angled = true,
  ) {}

  get tag(): string | undefined {
    const t = this.params.get('tag');
    return t ?? undefined;
  }

  clone(): NameAddress {
    return new NameAddress(this.uri.clone(), this.displayName, this.params.clone(), this.angled);
  }

  toString(): string {
    const dn = this.displayName !== undefined ? this.displayName + ' ' : '';
    return `${dn}<${this.uri.toString()}>${this.params.toString()}`;
  }
}

/** Parse one name-addr/addr-spec with parameters. `Contact: *` is handled by the caller. */
export function parseNameAddress(value: string): NameAddress {
  const s = value;
  let i = skipWhitespace(s, 0);
  let displayName: string | undefined;
  if (s[i] === '"') {
    const end = endOfQuotedString(s, i);
    if (end < 0) throw new SipParseError('unterminated quoted display name');
    displayName = s.slice(i, end);
    i = skipWhitespace(s, end);
    if (s[i] !== '<') throw new SipParseError('display name not followed by <URI>');
  } else {
    // Either an unquoted display name (tokens separated by LWS) followed by '<', or an addr-spec.
    const lt = s.indexOf('<', i);
    if (lt > i) {
      const dn = s.slice(i, lt).trimEnd();
      for (let j = 0; j < dn.length; j++) {
        const c = dn.charCodeAt(j);
        if (!isTokenChar(c) && !isWhitespace(c)) {
          throw new SipParseError(`invalid character "${dn[j]}" in unquoted display name`);
        }
      }
      displayName = dn;
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0) throw new SipParseError('unterminated <URI>');
    const uri = parseUriIn(s, i + 1, gt);
    const params = parseParametersTo(s, gt + 1);
    if (parametersEnd < s.length) throw new SipParseError('unexpected characters after parameters');
    return new NameAddress(uri, displayName, params, true);
  }
  // addr-spec: the URI ends at the first ';' (its parameters are header parameters) or whitespace.
  let end = i;
  while (end < s.length && s[end] !== ';' && !isWhitespace(s.charCodeAt(end))) end++;
  // RFC 3261 §20: an addr-spec with ',', '?' or ';' must be in <>; '?' here means escaped headers.
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x3f || c === 0x2c) throw new SipParseError('URI with "?" or "," must be enclosed in <>');
  }
  const uri = parseUriIn(s, i, end);
  const params = parseParametersTo(s, end);
  if (parametersEnd < s.length) throw new SipParseError('unexpected characters after parameters');
  return new NameAddress(uri, displayName, params, false);
}
