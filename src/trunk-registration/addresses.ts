import { parseUri, type SipUri } from '../sip/message/index.js';
import type { TransportProtocol } from '../sip/transport/index.js';
import type { RegistrationSettings } from './types.js';

export interface RegistrationAddresses {
  registrar: string;
  aor: string;
  contact: string;
}

/**
 * The addresses of a trunk's REGISTER (RFC 3261 §10.2): the Request-URI is the registrar; the
 * address-of-record is the username at the registrar's domain (what carriers provision: Asterisk's
 * `register => user:secret@host`, a PJSIP outbound registration's client_uri); the Contact is the
 * username at the node's own address, over the registrar's transport. The carrier then sends the
 * trunk's calls to that Contact, the DID in the To header (or kept in the Request-URI).
 * Throws SipParseError for a registrar that is not a SIP URI.
 */
export function registrationAddresses(
  settings: RegistrationSettings,
  localContact: (protocol: TransportProtocol) => SipUri,
): RegistrationAddresses {
  const registrar = parseUri(settings.registrar);
  if (registrar.kind !== 'sip') throw new TypeError(`registrar ${settings.registrar} is not a SIP URI`);
  const protocol = (registrar.transportParam ??
    (registrar.scheme === 'sips' ? 'tls' : 'udp')) as TransportProtocol;
  const user = escapeUser(settings.username);
  const contact = localContact(protocol).clone();
  contact.user = user;
  return {
    registrar: registrar.toString(),
    aor: `${registrar.scheme}:${user}@${registrar.host}`,
    contact: contact.toString(),
  };
}

/** RFC 3261 §25.1 user: unreserved and user-unreserved characters as they are, the rest %-escaped. */
function escapeUser(user: string): string {
  return user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
