import type { IncomingRequest } from '../sip/ua/index.js';

/**
 * What answers an in-dialog request whose relaying failed (the media relay refused its SDP as
 * garbage, or the other leg's answer): RFC 3261 §14.2 / RFC 3311 §5.2 — the offer is refused
 * 488 and the session goes on as before it; the sender is never left without a final response.
 */
export function refuseOffer(incoming: IncomingRequest): () => void {
  return () => {
    if (incoming.responded) return;
    incoming.respond(488, { headers: [['reason', 'SIP;cause=488;text="Media relay refused the offer"']] });
  };
}
