import type { SipMessage, SipResponse } from '../sip/message/index.js';
import type { IncomingRequest, InviteSession, RequestOptions } from '../sip/ua/index.js';
import type { Side } from './b2bua-call.js';
import type { CallMedia } from './call-media.js';
import type { HeaderPolicy } from './header-policy.js';

/** Whether a message carries an SDP body. */
export function hasSdp(message: SipMessage): boolean {
  return (
    message.body.length > 0 && message.contentType?.split(';')[0]?.trim().toLowerCase() === 'application/sdp'
  );
}

/** What relaying an in-dialog request from one leg of a call to the other needs of the call. */
export interface InDialogRelay {
  headers: HeaderPolicy;
  media: CallMedia;
  /** The leg the request came on, and the tags of the two sides as the media relay knows them. */
  from: Side;
  fromTag: string;
  toTag: string;
  /** The sender's session timer restarts (its 2xx is a refresh): Session-Expires for that 2xx. */
  refreshed(): Array<[string, string]>;
}

/**
 * A re-INVITE, UPDATE or INFO from one leg sent as the same request on the other (RFC 3311,
 * RFC 6086), its offer and answer through the media relay, and the other leg's answer returned.
 * A request the other leg's session cannot take now (an INVITE transaction under way) gets 491
 * (RFC 3261 §14.1: the sender retries after a pause); 401/407 become 403 (the credentials were
 * asked of the node, not of the sender).
 */
export async function relayInDialog(
  incoming: IncomingRequest,
  other: InviteSession,
  relay: InDialogRelay,
): Promise<void> {
  const { request, method } = incoming;
  const offer = hasSdp(request) && method !== 'INFO';
  const options: RequestOptions = { headers: relay.headers.pick(request) };
  if (request.body.length > 0) {
    options.body = offer
      ? await relay.media.offer(request.body, relay.fromTag, relay.from === 'caller', relay.from)
      : request.body;
    if (request.contentType) options.contentType = request.contentType;
  }
  let response: SipResponse;
  try {
    response =
      method === 'INVITE'
        ? await other.reinvite(options)
        : method === 'UPDATE'
          ? await other.update(options)
          : await other.info(options);
  } catch {
    if (!incoming.responded) incoming.respond(491);
    return;
  }
  if (incoming.responded) return;
  const status = response.status === 401 || response.status === 407 ? 403 : response.status;
  const headers = relay.headers.pick(response);
  const ok = status >= 200 && status < 300;
  if (ok && method !== 'INFO') headers.push(...relay.refreshed());
  if (ok && offer && hasSdp(response)) {
    const answerer: Side = relay.from === 'caller' ? 'callee' : 'caller';
    const body = await relay.media.answer(response.body, relay.fromTag, relay.toTag, answerer);
    incoming.respond(status, { body, headers });
    return;
  }
  if (ok && response.body.length > 0 && !offer) {
    incoming.respond(status, {
      body: response.body,
      contentType: response.contentType ?? 'application/sdp',
      headers,
    });
    return;
  }
  incoming.respond(status < 200 ? 500 : status, { headers });
}
