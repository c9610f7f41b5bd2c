import { SipParseError } from './errors.js';
import { checkParametersTo, Parameters, parametersEnd, parseParametersTo } from './params.js';
import { endOfQuotedString, isTokenChar, isWhitespace, skipWhitespace, trimmedEnd } from './scan.js';
import { checkUriIn, parseUriIn, type Uri } from './uri.js';

/**
 * `name-addr / addr-spec` followed by header parameters (RFC 3261 §20.10, §25.1):
 * the value of From, To, Contact, Route, Record-Route, Path, Refer-To...
 */
export class NameAddress {
  private parsedUri: Uri | undefined;
  /**
   * Until the URI is first read: the text it was checked in and where, so a From or To read only
   * for its tag (most are) costs no URI object.
   */
  private uriSource: string | undefined;
  private uriStart = 0;
  private uriEnd = 0;

  constructor(
    uri: Uri,
    /** The display name as written (quoted form kept), or undefined. */
    public displayName?: string,
    public params: Parameters = new Parameters(),
    /** Whether the URI was enclosed in <> (always written with <> when serialized). */
    public angled = true,
  ) {
    this.parsedUri = uri;
  }

  /** A name-addr whose URI, already checked in s[start, end), is built on first read. */
  static withUriIn(
    s: string,
    start: number,
    end: number,
    displayName: string | undefined,
    params: Parameters,
    angled: boolean,
  ): NameAddress {
    const address = new NameAddress(undefined!, displayName, params, angled); // the URI comes from the getter
    address.uriSource = s;
    address.uriStart = start;
    address.uriEnd = end;
    return address;
  }

  get uri(): Uri {
    if (this.parsedUri === undefined) {
      this.parsedUri = parseUriIn(this.uriSource!, this.uriStart, this.uriEnd);
      this.uriSource = undefined;
    }
    return this.parsedUri;
  }

  set uri(uri: Uri) {
    this.parsedUri = uri;
    this.uriSource = undefined;
  }

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
  return readNameAddress(value, true)!;
}

/** Throws what parseNameAddress(value) would, building nothing: for values only validated. */
export function checkNameAddress(value: string): void {
  readNameAddress(value, false);
}

function readNameAddress(value: string, build: boolean): NameAddress | undefined {
  const s = value;
  let i = skipWhitespace(s, 0);
  let displayName: string | undefined;
  if (s[i] === '"') {
    const end = endOfQuotedString(s, i);
    if (end < 0) throw new SipParseError('unterminated quoted display name');
    if (build) displayName = s.slice(i, end);
    i = skipWhitespace(s, end);
    if (s[i] !== '<') throw new SipParseError('display name not followed by <URI>');
  } else {
    // Either an unquoted display name (tokens separated by LWS) followed by '<', or an addr-spec.
    const lt = s.indexOf('<', i);
    if (lt > i) {
      // Checked and trimmed in place: one string cut, not a slice and its trimmed copy.
      const dnEnd = trimmedEnd(s, i, lt);
      for (let j = i; j < dnEnd; j++) {
        const c = s.charCodeAt(j);
        if (!isTokenChar(c) && !isWhitespace(c)) {
          throw new SipParseError(`invalid character "${s[j]}" in unquoted display name`);
        }
      }
      if (build) displayName = s.slice(i, dnEnd);
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0) throw new SipParseError('unterminated <URI>');
    checkUriIn(s, i + 1, gt);
    return addressWithParameters(s, i + 1, gt, displayName, true, build);
  }
  // addr-spec: the URI ends at the first ';' (its parameters are header parameters) or whitespace.
  let end = i;
  while (end < s.length && s[end] !== ';' && !isWhitespace(s.charCodeAt(end))) end++;
  // RFC 3261 §20: an addr-spec with ',', '?' or ';' must be in <>; '?' here means escaped headers.
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x3f || c === 0x2c) throw new SipParseError('URI with "?" or "," must be enclosed in <>');
  }
  checkUriIn(s, i, end);
  return addressWithParameters(s, i, end, displayName, false, build);
}

/** The address whose URI is s[uriStart, uriEnd) (checked), read with the parameters that follow it. */
function addressWithParameters(
  s: string,
  uriStart: number,
  uriEnd: number,
  displayName: string | undefined,
  angled: boolean,
  build: boolean,
): NameAddress | undefined {
  const paramsStart = angled ? uriEnd + 1 : uriEnd;
  const params = build ? parseParametersTo(s, paramsStart) : undefined;
  if (!build) checkParametersTo(s, paramsStart);
  if (parametersEnd < s.length) throw new SipParseError('unexpected characters after parameters');
  return params && NameAddress.withUriIn(s, uriStart, uriEnd, displayName, params, angled);
}
