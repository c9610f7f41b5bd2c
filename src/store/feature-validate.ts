import { parseUri } from '../sip/message/index.js';
import { InvalidInputError } from './errors.js';
import type { CallFeatures, DomainFeatures, NumberingPlan } from './feature-types.js';

/** A user part or number a forward may name in the subscriber's own domain. */
const FORWARD_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{1,64}$/;
/**
 * A number pattern: digits, '+', letters and . _ - literally, '?' for any one character, and a
 * trailing '*' for any rest (`+1900*`, `00*`, `+4930123456?`); matched against the whole number.
 */
const PATTERN = /^[+0-9A-Za-z._?-]{0,31}\*?$/;
const MAX_URI = 256;
const MAX_PATTERNS = 100;
export const RING_TIMEOUT_RANGE = [1, 600] as const;
export const MAX_DIVERSIONS_RANGE = [1, 20] as const;

const FORWARDS = ['forwardAlways', 'forwardBusy', 'forwardNoAnswer', 'forwardUnreachable'] as const;
const BARRINGS = ['barIncoming', 'barOutgoing'] as const;
const FLAGS = ['rejectAnonymous', 'clir'] as const;

/** Where a call is forwarded: a sip:, sips: or tel: URI, or a user part or number of the same domain. */
export function checkForwardTarget(value: unknown, field: string): string {
  if (typeof value !== 'string')
    throw new InvalidInputError(`invalid ${field}: expected a string`, undefined, field);
  const text = value.trim();
  if (text.length === 0 || text.length > MAX_URI)
    throw new InvalidInputError(`invalid ${field}: expected 1-${MAX_URI} characters`, undefined, field);
  if (/^(sips?|tel):/i.test(text)) {
    let uri: ReturnType<typeof parseUri>;
    try {
      uri = parseUri(text);
    } catch (e) {
      throw new InvalidInputError(
        `invalid ${field} ${JSON.stringify(value)}: not a URI (${(e as Error).message})`,
        undefined,
        field,
      );
    }
    if (uri.kind === 'sip' && uri.user === undefined)
      throw new InvalidInputError(
        `invalid ${field} ${JSON.stringify(value)}: a forward goes to a user, e.g. sip:bob@example.com`,
        undefined,
        field,
      );
    return uri.toString();
  }
  if (FORWARD_USER.test(text)) return text;
  throw new InvalidInputError(
    `invalid ${field} ${JSON.stringify(value)}: expected a sip:, sips: or tel: URI, a number or a user of the same domain`,
    undefined,
    field,
  );
}

export function checkPatterns(value: unknown, field: string): string[] {
  if (!Array.isArray(value))
    throw new InvalidInputError(`invalid ${field}: expected a list of number patterns`, undefined, field);
  if (value.length > MAX_PATTERNS)
    throw new InvalidInputError(`invalid ${field}: more than ${MAX_PATTERNS} patterns`, undefined, field);
  const patterns: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || !PATTERN.test(item))
      throw new InvalidInputError(
        `invalid ${field} pattern ${JSON.stringify(item)}: expected up to 32 of digits, +, letters, . _ -, ? (any one character) and a trailing * (any rest), e.g. +1900*`,
        undefined,
        field,
      );
    if (!patterns.includes(item)) patterns.push(item);
  }
  return patterns;
}

function checkInteger(
  value: unknown,
  field: string,
  [min, max]: readonly [number, number],
  unit = '',
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidInputError(
      `invalid ${field} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}${unit}`,
      undefined,
      field,
    );
  return value;
}

function checkFlag(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean')
    throw new InvalidInputError(`invalid ${field}: expected true or false`, undefined, field);
  return value;
}

function checkDigits(value: unknown, field: string, pattern: RegExp, expected: string): string {
  if (typeof value !== 'string' || !pattern.test(value))
    throw new InvalidInputError(
      `invalid ${field} ${JSON.stringify(value)}: expected ${expected}`,
      undefined,
      field,
    );
  return value;
}

/** A domain's numbering plan: country code, and the prefixes its subscribers dial. */
export function checkNumberingPlan(value: unknown): NumberingPlan {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidInputError('invalid numbering: expected an object', undefined, 'numbering');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['countryCode', 'nationalPrefix', 'internationalPrefix', 'areaCode'].includes(key))
      throw new InvalidInputError(`invalid numbering: unknown setting ${key}`, undefined, `numbering/${key}`);
  }
  const plan: NumberingPlan = {
    countryCode: checkDigits(
      input['countryCode'],
      'numbering/countryCode',
      /^[1-9]\d{0,2}$/,
      '1-3 digits, e.g. 49',
    ),
  };
  if (input['nationalPrefix'] !== undefined)
    plan.nationalPrefix = checkDigits(
      input['nationalPrefix'],
      'numbering/nationalPrefix',
      /^\d{1,4}$/,
      '1-4 digits, e.g. 0',
    );
  if (input['internationalPrefix'] !== undefined)
    plan.internationalPrefix = checkDigits(
      input['internationalPrefix'],
      'numbering/internationalPrefix',
      /^\d{1,4}$/,
      '1-4 digits, e.g. 00',
    );
  if (input['areaCode'] !== undefined)
    plan.areaCode = checkDigits(
      input['areaCode'],
      'numbering/areaCode',
      /^[1-9]\d{0,5}$/,
      '1-6 digits without the national prefix, e.g. 30',
    );
  if (plan.nationalPrefix !== undefined && plan.nationalPrefix === plan.internationalPrefix)
    throw new InvalidInputError(
      'invalid numbering: the national and international prefixes are the same',
      undefined,
      'numbering/internationalPrefix',
    );
  if (plan.areaCode !== undefined && plan.nationalPrefix === undefined)
    throw new InvalidInputError(
      'invalid numbering: an area code needs a national prefix (local numbers are national numbers without it)',
      undefined,
      'numbering/nationalPrefix',
    );
  return plan;
}

/** One feature setting, checked; null passes (it clears the setting). */
export function checkFeature(field: string, value: unknown): unknown {
  if (value === null) return null;
  if ((FORWARDS as readonly string[]).includes(field)) return checkForwardTarget(value, field);
  if ((BARRINGS as readonly string[]).includes(field)) return checkPatterns(value, field);
  if ((FLAGS as readonly string[]).includes(field)) return checkFlag(value, field);
  if (field === 'ringTimeout') return checkInteger(value, field, RING_TIMEOUT_RANGE, ' seconds');
  if (field === 'maxDiversions') return checkInteger(value, field, MAX_DIVERSIONS_RANGE);
  if (field === 'numbering') return checkNumberingPlan(value);
  throw new InvalidInputError(`unknown feature setting ${field}`, undefined, field);
}

/** Every field of a set of changes, checked; `numbering` only where `domain` is true. */
export function checkFeatureChanges<T extends CallFeatures | DomainFeatures>(
  changes: Record<string, unknown>,
  domain: boolean,
): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (field === 'numbering' && !domain)
      throw new InvalidInputError('numbering is a domain setting, not a subscriber one', undefined, field);
    checked[field] = checkFeature(field, value);
  }
  return checked as Record<keyof T, unknown>;
}
