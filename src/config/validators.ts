import { isIP } from 'node:net';
import { parseSipUriStrict } from '../sip/message/index.js';

/** A checked value, or what was wrong with it (a phrase that says what was expected and what came). */
export type Checked<T> = { value: T } | { error: string };
export type Validator<T> = (value: unknown) => Checked<T>;

/** How a value is shown in an error: strings quoted, so `"5060 "` and `""` are visible. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

export function integer(min: number, max: number): Validator<number> {
  return (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? { value }
      : { error: `expected an integer ${min}-${max}, got ${show(value)}` };
}

/**
 * A DSCP (RFC 2474), 0-63. rtpengine and Kamailio take the whole TOS byte (`tos=184`): such a
 * value is refused with the DSCP it stands for, the top six bits.
 */
export const dscp: Validator<number> = (value) => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 63) return { value };
  if (typeof value === 'number' && Number.isInteger(value) && value > 63 && value <= 255)
    return {
      error: `expected a DSCP 0-63, got ${value}: that is a TOS byte (rtpengine's tos=${value}); its DSCP is ${value >> 2}${value % 4 === 0 ? '' : ' (and ECN bits, which are not set here)'}`,
    };
  return { error: `expected a DSCP 0-63 (46: EF, 0: unmarked), got ${show(value)}` };
};

export function oneOf<T extends string>(choices: readonly T[]): Validator<T> {
  return (value) =>
    typeof value === 'string' && (choices as readonly string[]).includes(value)
      ? { value: value as T }
      : { error: `expected one of ${choices.join('|')}, got ${show(value)}` };
}

export const boolean: Validator<boolean> = (value) =>
  typeof value === 'boolean' ? { value } : { error: `expected true or false, got ${show(value)}` };

export function nonEmptyString(what: string): Validator<string> {
  return (value) =>
    typeof value === 'string' && value.trim() !== ''
      ? { value }
      : { error: `expected ${what}, got ${show(value)}` };
}

/** A path to a PEM file; PEM text pasted in its place is refused with a hint. */
export function pemFile(what: string): Validator<string> {
  return (value) => {
    if (typeof value !== 'string' || value.trim() === '')
      return { error: `expected ${what}, got ${show(value)}` };
    if (value.includes('-----BEGIN') || value.includes('\n'))
      return { error: `expected ${what}, got PEM text (write it to a file and give its path)` };
    return { value };
  };
}

export const ipAddress: Validator<string> = (value) =>
  typeof value === 'string' && isIP(value) !== 0
    ? { value }
    : { error: `expected an IP address such as 0.0.0.0, ::, 127.0.0.1 or ::1, got ${show(value)}` };

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const host: Validator<string> = (value) =>
  typeof value === 'string' && (isIP(value) !== 0 || HOSTNAME.test(value))
    ? { value }
    : { error: `expected a host name or IP address, got ${show(value)}` };

export const domain: Validator<string> = (value) =>
  typeof value === 'string' && HOSTNAME.test(value)
    ? { value: value.toLowerCase() }
    : { error: `expected a domain name such as example.com, got ${show(value)}` };

/** Checked with the proxy's own URI parser, so what passes here is what the proxy can route to. */
export const sipUri: Validator<string> = (value) => {
  const wanted = 'expected a sip: or sips: URI such as sip:127.0.0.1:5080';
  if (typeof value !== 'string' || !/^sips?:/i.test(value)) return { error: `${wanted}, got ${show(value)}` };
  try {
    parseSipUriStrict(value);
    return { value };
  } catch (e) {
    return { error: `${wanted}, got ${show(value)} (${(e as Error).message})` };
  }
};

/** A list whose items each pass `item`; duplicates are an error (they would bind or match twice). */
export function list<T>(item: Validator<T>, options: { nonEmpty: boolean }): Validator<T[]> {
  return (value) => {
    if (!Array.isArray(value)) return { error: `expected a list, got ${show(value)}` };
    if (options.nonEmpty && value.length === 0)
      return { error: 'expected at least one entry, got an empty list' };
    const out: T[] = [];
    for (const raw of value) {
      const checked = item(raw);
      if ('error' in checked) return checked;
      if (out.includes(checked.value)) return { error: `${show(raw)} is listed twice` };
      out.push(checked.value);
    }
    return { value: out };
  };
}

/** Empty (the embedded SQLite file) or a PostgreSQL URL with a host. */
export const storeUrl: Validator<string> = (value) => {
  const wanted =
    'expected empty (SQLite in dataDir) or a URL such as postgres://user@127.0.0.1:5432/switchboard';
  if (typeof value !== 'string') return { error: `${wanted}, got ${show(value)}` };
  if (value.trim() === '') return { value: '' };
  try {
    const url = new URL(value);
    if (/^postgres(ql)?:$/i.test(url.protocol) && url.hostname !== '') return { value };
  } catch {
    // reported below
  }
  // Only the scheme is echoed back: the rest of a mistyped URL may carry a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(value)?.[0];
  return { error: `${wanted}, got ${scheme ? `a ${scheme} URL` : 'something else'}` };
};

/** `host:port`, as an rtpengine ng address is written (IPv6 in brackets: `[::1]:2223`). */
export const hostPort: Validator<string> = (value) => {
  const wanted = 'expected host:port such as 127.0.0.1:2223';
  if (typeof value !== 'string') return { error: `${wanted}, got ${show(value)}` };
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const name = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || name === undefined || !(port >= 1 && port <= 65535) || 'error' in host(name)) {
    return { error: `${wanted}, got ${show(value)}` };
  }
  return { value };
};

/** RFC 6750 §2.1 b64token: what an `Authorization: Bearer` value may hold. */
export const bearerToken: Validator<string> = (value) =>
  typeof value === 'string' && /^[A-Za-z0-9\-._~+/]+=*$/.test(value)
    ? { value }
    : { error: 'expected a bearer token (letters, digits and -._~+/), got something else' };

export const nonceSecret: Validator<string> = (value) =>
  typeof value === 'string' && value.length >= 32
    ? { value }
    : { error: 'expected a secret of at least 32 characters (e.g. `openssl rand -hex 32`)' };

/** An IANA time zone Intl knows. */
export const timeZone: Validator<string> = (value) => {
  if (typeof value === 'string' && value !== '') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return { value };
    } catch {}
  }
  return { error: `expected an IANA time zone such as UTC or Europe/London, got ${show(value)}` };
};

/** Failover codes of trunks: 408, 5xx, 500-599. */
export const failoverCodes: Validator<string[]> = (value) => {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((c) => typeof c === 'string' && /^(408|5xx|5\d\d)$/i.test(c.trim()));
  return ok
    ? { value: (value as string[]).map((c) => c.trim().toLowerCase()) }
    : {
        error: `expected a list of 408, 5xx or codes 500-599 (never 486, 603 or other 4xx), got ${show(value)}`,
      };
};

/** A digest realm: it goes between quotes in challenges (RFC 7616 §3.3), so no quote or backslash. */
export const realm: Validator<string> = (value) =>
  typeof value === 'string' && /^[^"\\\u0000-\u001f\u007f]{1,128}$/.test(value) && value.trim() !== ''
    ? { value }
    : { error: `expected a digest realm (1-128 characters, no quotes or backslashes), got ${show(value)}` };

/** RFC 4028 session interval: 0 (off) or 90 s (its Min-SE floor) to a day. */
export const sessionInterval: Validator<number> = (value) =>
  typeof value === 'number' && Number.isInteger(value) && (value === 0 || (value >= 90 && value <= 86_400))
    ? { value }
    : { error: `expected 0 (off) or an integer 90-86400, got ${show(value)}` };

/** A dialled number: digits only, 1-15 of them (E.164's length). */
export const dialledNumber: Validator<string> = (value) =>
  typeof value === 'string' && /^[0-9]{1,15}$/.test(value)
    ? { value }
    : { error: `expected a number of 1-15 digits such as 112, got ${show(value)}` };

/** An X- header name (`X-Account-Id`), or `X-*` for every X- header. */
export const xHeaderName: Validator<string> = (value) =>
  typeof value === 'string' && /^x-(?:\*|[a-z0-9!#$%&'*+.^_`|~-]+)$/i.test(value)
    ? { value }
    : { error: `expected a header name starting with X- (or X-*), got ${show(value)}` };

/** An address (`192.0.2.7`) or network (`203.0.113.0/24`, `2001:db8::/32`), IPv4 or IPv6. */
export const cidr: Validator<string> = (value) => {
  const wanted = 'expected an IP address or network such as 203.0.113.0/24 or 2001:db8::/32';
  if (typeof value !== 'string') return { error: `${wanted}, got ${show(value)}` };
  const text = value.trim().toLowerCase();
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const length = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(length) || Number(length) > bits)
    return { error: `${wanted}, got ${show(value)}` };
  return { value: slash < 0 ? address : `${address}/${Number(length)}` };
};

/** A User-Agent fragment: printable text, no commas (lists are comma-separated in the environment). */
export const userAgentPattern: Validator<string> = (value) =>
  typeof value === 'string' && /^[\x21-\x7e][\x20-\x7e]*$/.test(value) && !value.includes(',')
    ? { value }
    : { error: `expected a User-Agent fragment such as friendly-scanner, got ${show(value)}` };
