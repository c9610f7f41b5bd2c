import type { DigestAlgorithm } from '../sip/auth/index.js';
import { InvalidInputError } from './errors.js';

// RFC 3261 §25.1 user part: unreserved / user-unreserved characters. '%' escapes are refused so
// that one user has one spelling; ':' and '@' never occur, which keeps `user:realm:pass` unambiguous.
const USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{1,64}$/;
// RFC 1123 host names (IPv4 literals pass too): dot-separated labels of letters, digits, inner hyphens.
const DOMAIN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// E.164: a country code never starts with 0, and a number has at most 15 digits.
const E164 = /^\+?([1-9]\d{1,14})$/;
// Separators people write in numbers (`+1 (415) 555-0100`, RFC 3966 visual separators).
const VISUAL_SEPARATORS = /[\s\-.()]/g;
const CONTROL = /[\u0000-\u001f\u007f]/;

export const MAX_DISPLAY_NAME = 128;
export const MAX_PASSWORD = 256;

/** A SIP user part usable as a username or alias; returned unchanged (user parts are case-sensitive). */
export function checkUser(user: string, what = 'username'): string {
  if (USER.test(user)) return user;
  throw new InvalidInputError(
    `invalid ${what} ${JSON.stringify(user)}: expected 1-64 letters, digits or - _ . ! ~ * ' ( ) & = + $ , ; ? /`,
  );
}

/** A domain name, lower-cased (domains compare case-insensitively). */
export function checkDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  if (DOMAIN.test(lower)) return lower;
  throw new InvalidInputError(
    `invalid domain ${JSON.stringify(domain)}: expected a domain name such as example.com`,
  );
}

/** An E.164 number in its stored form `+14155550100`; the '+' and visual separators are optional. */
export function checkNumber(number: string): string {
  const digits = E164.exec(number.replace(VISUAL_SEPARATORS, ''))?.[1];
  if (digits) return `+${digits}`;
  throw new InvalidInputError(
    `invalid number ${JSON.stringify(number)}: expected an E.164 number such as +14155550100`,
  );
}

/** The stored form of `user` if it reads as a phone number, else undefined (used by resolveUser). */
export function asNumber(user: string): string | undefined {
  const digits = E164.exec(user.replace(VISUAL_SEPARATORS, ''))?.[1];
  return digits ? `+${digits}` : undefined;
}

export function checkPassword(password: string): string {
  if (password.length === 0) throw new InvalidInputError('invalid password: it is empty');
  if (password.length > MAX_PASSWORD)
    throw new InvalidInputError(`invalid password: longer than ${MAX_PASSWORD} characters`);
  if (CONTROL.test(password)) throw new InvalidInputError('invalid password: it contains control characters');
  return password;
}

/** The digest algorithms a domain may choose, by upper-cased name (RFC 7616 §3.3 tokens are case-insensitive). */
const ALGORITHMS: ReadonlyMap<string, DigestAlgorithm> = new Map([
  ['MD5', 'MD5'],
  ['SHA-256', 'SHA-256'],
]);

/** A domain's digest algorithms, in their canonical spelling and order; at least one, none twice. */
export function checkAuthAlgorithms(names: readonly string[]): DigestAlgorithm[] {
  if (names.length === 0)
    throw new InvalidInputError('invalid digest algorithms: the list is empty (name MD5 and/or SHA-256)');
  const algorithms: DigestAlgorithm[] = [];
  for (const name of names) {
    const algorithm = ALGORITHMS.get(name.trim().toUpperCase());
    if (algorithm === undefined)
      throw new InvalidInputError(
        `invalid digest algorithm ${JSON.stringify(name)}: expected MD5 or SHA-256`,
      );
    if (algorithms.includes(algorithm))
      throw new InvalidInputError(`invalid digest algorithms: ${algorithm} is listed twice`);
    algorithms.push(algorithm);
  }
  return algorithms;
}

/** A display name, or undefined for none (empty counts as none). */
export function checkDisplayName(name: string | undefined): string | undefined {
  if (name === undefined || name.trim() === '') return undefined;
  if (name.length > MAX_DISPLAY_NAME || CONTROL.test(name))
    throw new InvalidInputError(
      `invalid display name ${JSON.stringify(name)}: expected at most ${MAX_DISPLAY_NAME} characters, no control characters`,
    );
  return name.trim();
}
