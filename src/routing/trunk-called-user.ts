import { type SipRequest, unescapeUriPart } from '../sip/message/index.js';
import type { Trunk } from '../store/index.js';

/**
 * The user part naming the number a trunk's call is for: the Request-URI's, unless the carrier
 * sent the call to the Contact the node registered for the trunk (src/trunk-registration: its
 * user is the registration username). A registering carrier routes to that Contact as any
 * registrar's domain does (RFC 3261 §10.3, Kamailio's lookup("location")), so the Request-URI
 * names the account, not the number, and the DID travels in the To header (Twilio, Telnyx and
 * Asterisk's `register =>` customers rely on the same).
 */
export function trunkCalledUser(request: SipRequest, trunk: Trunk): string | undefined {
  const uri = request.uri;
  if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
  const registration = trunk.registration;
  if (registration && unescapeUriPart(uri.user) === registration.username) {
    const to = request.to.uri;
    return to.kind === 'sip' ? to.user : to.kind === 'tel' ? to.number : undefined;
  }
  return uri.user;
}
