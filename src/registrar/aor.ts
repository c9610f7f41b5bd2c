import { type Uri, unescapeUriPart } from '../sip/message/index.js';

export interface AddressOfRecord {
  /** Canonical form `sip:user@domain` (RFC 3261 §10.3 step 5: user unescaped, no parameters). */
  aor: string;
  user: string;
  domain: string;
}

/** Longest user part we look up: anything longer is no subscriber of ours. */
const MAX_USER = 128;

/**
 * The address-of-record a URI names, or undefined when it cannot be one (not SIP, no user part,
 * control characters or an absurd length once unescaped).
 */
export function addressOfRecord(uri: Uri): AddressOfRecord | undefined {
  if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
  const user = unescapeUriPart(uri.user);
  if (user.length === 0 || user.length > MAX_USER) return undefined;
  for (let i = 0; i < user.length; i++) {
    const c = user.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return undefined;
  }
  const domain = uri.hostname;
  return { aor: `sip:${user}@${domain}`, user, domain };
}
