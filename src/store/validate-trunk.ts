import { isIP } from 'node:net';
import { parseSipUriStrict } from '../sip/message/index.js';
import { InvalidInputError } from './errors.js';
import { DISPATCH_ALGORITHMS, type DispatchAlgorithm, type GatewayTransport } from './trunk-types.js';

/** Checks for trunk, gateway and route fields; each error names the field and what it expects. */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DIGITS = /^\d{0,20}$/;
const CODEC = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
// What a number manipulation may put in front: digits, and a leading '+' (E.164).
const NUMBER_PREFIX = /^\+?\d{0,16}$/;
// A caller ID is a SIP user part: a number, or a word such as `anonymous`.
const CALLER_ID = /^\+?[A-Za-z0-9\-_.!~*'()&=$,;?/]{1,64}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The name of a trunk, or the id of a gateway or route: letters, digits, `.` `_` `-`. */
export function checkName(value: string, what: string): string {
  if (NAME.test(value)) return value;
  throw new InvalidInputError(
    `invalid ${what} ${JSON.stringify(value)}: expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
  );
}

export function checkDispatch(value: string): DispatchAlgorithm {
  const lower = value.trim().toLowerCase();
  const found = DISPATCH_ALGORITHMS.find((a) => a === lower);
  if (found) return found;
  throw new InvalidInputError(
    `invalid dispatch ${JSON.stringify(value)}: expected one of ${DISPATCH_ALGORITHMS.join(', ')}`,
  );
}

export function checkTransport(value: string): GatewayTransport {
  const lower = value.trim().toLowerCase();
  if (lower === 'udp' || lower === 'tcp' || lower === 'tls') return lower;
  throw new InvalidInputError(`invalid transport ${JSON.stringify(value)}: expected udp, tcp or tls`);
}

/** An integer in [min, max]. */
export function checkInteger(value: number, what: string, min: number, max: number): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  throw new InvalidInputError(
    `invalid ${what} ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`,
  );
}

export function checkPrice(value: number): number {
  if (Number.isFinite(value) && value >= 0 && value <= 1e9) return value;
  throw new InvalidInputError(`invalid price ${JSON.stringify(value)}: expected a number of 0 or more`);
}

/** An address (`192.0.2.7`) or network (`203.0.113.0/24`, `2001:db8::/32`), IPv4 or IPv6. */
export function checkCidr(value: string): string {
  const text = value.trim().toLowerCase();
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const length = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (family !== 0 && /^\d{1,3}$/.test(length) && Number(length) <= bits) {
    return slash < 0 ? address : `${address}/${Number(length)}`;
  }
  throw new InvalidInputError(
    `invalid inbound CIDR ${JSON.stringify(value)}: expected an IPv4 or IPv6 address with an optional /prefix-length (203.0.113.0/24)`,
  );
}

export function checkCidrs(values: readonly string[]): string[] {
  const cidrs: string[] = [];
  for (const value of values) {
    const cidr = checkCidr(value);
    if (!cidrs.includes(cidr)) cidrs.push(cidr);
  }
  return cidrs;
}

/**
 * A gateway's SIP URI: sip: or sips:, a host and optional port, no user part (the dialled number
 * becomes the Request-URI user). Returns the URI as given (trimmed) and the transport it implies.
 */
export function checkGatewayUri(value: string): { uri: string; transport?: GatewayTransport } {
  const text = value.trim();
  let parsed: ReturnType<typeof parseSipUriStrict>;
  try {
    parsed = parseSipUriStrict(text);
  } catch {
    throw new InvalidInputError(
      `invalid gateway URI ${JSON.stringify(value)}: expected a SIP URI such as sip:203.0.113.5:5060`,
    );
  }
  if (parsed.user !== undefined) {
    throw new InvalidInputError(
      `invalid gateway URI ${JSON.stringify(value)}: no user part (the dialled number is put there), e.g. sip:203.0.113.5:5060`,
    );
  }
  if (parsed.port !== undefined && (parsed.port < 1 || parsed.port > 65535)) {
    throw new InvalidInputError(`invalid gateway URI ${JSON.stringify(value)}: port must be 1-65535`);
  }
  const param = parsed.transportParam;
  if (param !== undefined) return { uri: text, transport: checkTransport(param) };
  return parsed.scheme === 'sips' ? { uri: text, transport: 'tls' } : { uri: text };
}

/** A registrar's SIP URI (outbound registration). */
export function checkRegistrarUri(value: string): string {
  const text = value.trim();
  try {
    parseSipUriStrict(text);
    return text;
  } catch {
    throw new InvalidInputError(
      `invalid registrar URI ${JSON.stringify(value)}: expected a SIP URI such as sip:sip.carrier.example`,
    );
  }
}

/** A route prefix: digits (a leading '+' and visual separators are dropped); '' matches all. */
export function checkPrefix(value: string): string {
  const digits = value
    .trim()
    .replace(/^\+/, '')
    .replace(/[\s\-.()]/g, '');
  if (DIGITS.test(digits)) return digits;
  throw new InvalidInputError(
    `invalid prefix ${JSON.stringify(value)}: expected up to 20 digits (an optional leading '+'), e.g. 4420`,
  );
}

/** What outbound or inbound manipulation puts in front of a number: digits with an optional '+'. */
export function checkNumberPrefix(value: string, what: string): string {
  const text = value.trim();
  if (NUMBER_PREFIX.test(text)) return text;
  throw new InvalidInputError(
    `invalid ${what} ${JSON.stringify(value)}: expected digits with an optional leading '+'`,
  );
}

export function checkCallerId(value: string): string {
  if (CALLER_ID.test(value)) return value;
  throw new InvalidInputError(
    `invalid caller ID ${JSON.stringify(value)}: expected a number (+14155550100) or a SIP user part`,
  );
}

export function checkCodecs(values: readonly string[]): string[] {
  const codecs: string[] = [];
  for (const value of values) {
    const codec = value.trim();
    if (!CODEC.test(codec)) {
      throw new InvalidInputError(
        `invalid codec ${JSON.stringify(value)}: expected a codec name such as PCMU, PCMA, G722, opus`,
      );
    }
    if (codecs.some((c) => c.toLowerCase() === codec.toLowerCase())) {
      throw new InvalidInputError(`invalid codecs: ${codec} is listed twice`);
    }
    codecs.push(codec);
  }
  return codecs;
}

/**
 * Final responses that fail over: 408 and 5xx only. A 486 Busy Here, 603 Decline or any other
 * 4xx is the callee's or the request's answer, which another carrier would give too; a 6xx
 * ends the call (RFC 3261 §16.7 step 5).
 */
export function checkFailoverCodes(values: readonly string[]): string[] {
  if (values.length === 0) {
    throw new InvalidInputError('invalid failover codes: the list is empty (name 408, 5xx or codes 500-599)');
  }
  const codes: string[] = [];
  for (const value of values) {
    const code = value.trim().toLowerCase();
    const ok = code === '408' || code === '5xx' || /^5\d\d$/.test(code);
    if (!ok) {
      throw new InvalidInputError(
        `invalid failover code ${JSON.stringify(value)}: only 408, 5xx or codes 500-599 fail over (486, 603 and other 4xx/6xx never do)`,
      );
    }
    if (!codes.includes(code)) codes.push(code);
  }
  return codes;
}

/** Whether a final status is one of the failover codes (as checkFailoverCodes leaves them). */
export function failsOver(codes: readonly string[], status: number): boolean {
  for (const code of codes) {
    if (code === '5xx' ? status >= 500 && status < 600 : Number(code) === status) return true;
  }
  return false;
}

/** A free-text description: at most 256 characters, no control characters. */
export function checkDescription(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  if (text.length > 256 || CONTROL.test(text)) {
    throw new InvalidInputError(
      'invalid description: expected at most 256 characters, no control characters',
    );
  }
  return text;
}

/** A stored secret (trunk or registration password): 1-256 characters, no control characters. */
export function checkSecret(value: string, what: string): string {
  if (value.length === 0 || value.length > 256 || CONTROL.test(value)) {
    throw new InvalidInputError(`invalid ${what}: expected 1-256 characters, no control characters`);
  }
  return value;
}
