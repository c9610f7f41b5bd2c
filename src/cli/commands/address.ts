import { UsageError } from './with-store.js';

/** `alice@example.com` (or `sip:alice@example.com`) as user and domain; the store validates both. */
export function parseAddress(text: string, what = 'subscriber'): { username: string; domain: string } {
  const bare = text.replace(/^sips?:/i, '');
  const at = bare.lastIndexOf('@');
  if (at <= 0 || at === bare.length - 1)
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(text)}: expected user@domain, e.g. alice@example.com`,
    );
  return { username: bare.slice(0, at), domain: bare.slice(at + 1).toLowerCase() };
}
