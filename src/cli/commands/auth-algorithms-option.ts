import type { DigestAlgorithm } from '../../sip/auth/index.js';
import { checkAuthAlgorithms, InvalidInputError } from '../../store/index.js';
import { UsageError } from './with-store.js';

export const AUTH_ALGORITHMS_FLAG = '--auth-algorithms <list>';
export const AUTH_ALGORITHMS_HELP =
  "digest challenges for the domain's subscribers, most preferred first: MD5, SHA-256 or both " +
  "(SHA-256,MD5: SHA-256 for phones that can, MD5 for the rest); 'default' follows the node's auth.algorithms";

const FIX =
  "give MD5, SHA-256 or both, most preferred first (e.g. --auth-algorithms SHA-256,MD5), or 'default' to follow the node's auth.algorithms";

/** What `--auth-algorithms` says: the domain's own list, or null for the node's default. */
export function parseAuthAlgorithmsOption(value: string): DigestAlgorithm[] | null {
  const text = value.trim();
  if (text.toLowerCase() === 'default') return null;
  const refuse = (problem: string) =>
    new UsageError(`--auth-algorithms ${JSON.stringify(value)}: ${problem}; ${FIX}`);
  if (text === '') throw refuse('no algorithm named');
  const names = text.split(',').map((name) => name.trim());
  if (names.includes('')) throw refuse('an empty name between commas');
  try {
    return checkAuthAlgorithms(names);
  } catch (e) {
    if (e instanceof InvalidInputError) throw refuse(e.message);
    throw e;
  }
}
