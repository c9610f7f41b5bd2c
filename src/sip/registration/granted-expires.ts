import { type SipResponse, type Uri, uriEquals } from '../message/index.js';

/**
 * The expiry a registrar granted our contact, from its 2xx (RFC 3261 §10.2.4): the `expires`
 * parameter of our Contact in the response, else the Expires header, else what we asked for.
 * The registrar lists every binding of the address-of-record; ours is found by URI equality
 * (§19.1.4).
 */
export function grantedExpires(response: SipResponse, contact: Uri, requested: number): number {
  const contacts = response.contacts;
  if (contacts !== '*') {
    for (const listed of contacts) {
      if (!uriEquals(listed.uri, contact)) continue;
      const value = seconds(listed.params.get('expires'));
      if (value !== undefined) return value;
    }
  }
  return seconds(response.get('expires')) ?? requested;
}

/** A delta-seconds value (§25.1), or undefined. */
export function seconds(text: string | null | undefined): number | undefined {
  if (text === undefined || text === null) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  return Number.parseInt(trimmed, 10);
}
