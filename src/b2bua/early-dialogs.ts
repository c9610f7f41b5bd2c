import type { SipMessage, SipRequest, SipResponse } from '../sip/message/index.js';
import {
  type IncomingRequest,
  type InviteClientSession,
  type InviteServerSession,
  type InviteSession,
  isReliable,
  RELIABLE_PROVISIONALS,
  requiresTag,
  supportsTag,
} from '../sip/ua/index.js';
import type { CallMedia } from './call-media.js';

/** What the early dialogs use of their call: its media, its one-at-a-time steps, the legs' tags. */
export interface EarlyDialogsCall {
  media: CallMedia;
  serial(step: () => Promise<void>): void;
  tags(): { caller: string; callee: string };
}

/** A callee's reliable provisional that offered (delayed offer), relayed to the caller. */
interface EarlyOffer {
  response: SipResponse;
  /** The SDP the caller got (the relay's). */
  sdp: Buffer;
  answered: boolean;
}

function hasBody(message: SipMessage): boolean {
  return message.body.length > 0;
}

/** An offer in a PRACK refused: the session stays as it was (RFC 6337 §2.3), with an RFC 3326 Reason. */
function refusePrackOffer(incoming: IncomingRequest, status: number, text: string): void {
  if (incoming.responded) return;
  incoming.respond(status, { headers: [['reason', `SIP;cause=${status};text="${text}"`]] });
}

/**
 * The early dialogs of one B2BUA call (RFC 3262, RFC 3311 §5.1). Reliability is hop by hop: the
 * callee leg offers 100rel and PRACKs the callee's reliable provisionals itself (the UA core does);
 * the caller gets reliable provisionals of our own (our RSeq, retransmitted until its PRACK) when
 * its INVITE allows them. Once both legs completed the INVITE's offer/answer reliably in their
 * early dialogs, an UPDATE from either side crosses to the other before the call is answered.
 *
 * With a delayed offer (no SDP in the caller's INVITE) the callee's reliable provisional offers
 * (RFC 3262 §5): the offer goes to the caller in a reliable provisional, the caller's PRACK brings
 * the answer, and the callee leg's PRACK carries it on.
 *
 * A caller's PRACK for a provisional that answered may carry a new offer (RFC 3262 §5, RFC 6337
 * §3.2), whose answer must be in the PRACK's 2xx. The callee leg's own PRACK has left by then,
 * so the offer goes to the callee in an UPDATE (RFC 3311 §5.1: allowed once the callee's early
 * dialog completed its offer/answer, or once it answered) and its answer comes back in the 200
 * to the PRACK. When the callee cannot take it (no completed early offer/answer, UPDATE refused
 * or unknown) the PRACK gets 488: RFC 6337 §2.3 names it, and the alternative it gives — a 200
 * with some answer the callee never saw — would mislead the caller about the media.
 */
export class EarlyDialogs {
  private earlyOffer: EarlyOffer | undefined;

  constructor(
    private readonly callerInvite: SipRequest,
    private readonly caller: InviteServerSession,
    private readonly callee: InviteClientSession,
    private readonly call: EarlyDialogsCall,
  ) {
    caller.on('prack', (incoming) => this.callerPrack(incoming));
  }

  /**
   * Headers for the callee leg's INVITE: Supported: 100rel when the caller's INVITE has an offer
   * (a reliable provisional answers it), or when it has none but the caller takes 100rel (a
   * reliable provisional's offer can then be answered through the caller's PRACK).
   */
  static calleeInviteHeaders(callerInvite: SipRequest): Array<[string, string]> {
    const takes = hasBody(callerInvite) || supportsTag(callerInvite, RELIABLE_PROVISIONALS);
    return takes ? [['supported', RELIABLE_PROVISIONALS]] : [];
  }

  /**
   * RFC 3262 §5, delayed offer: a callee's reliable provisional that offers goes to the caller as
   * a reliable provisional with the offer (through the media relay). False when it is not one.
   */
  async relayOffer(response: SipResponse, headers: Array<[string, string]>): Promise<boolean> {
    if (hasBody(this.callerInvite) || !hasBody(response) || !isReliable(response)) return false;
    if (!this.caller.reliableProvisionals || this.earlyOffer) return false;
    const sdp = await this.call.media.offer(response.body, this.call.tags().callee, false, 'callee');
    this.earlyOffer = { response, sdp, answered: false };
    this.caller.progress(response.status, { body: sdp, headers, reliable: true });
    return true;
  }

  /**
   * The SDP for the caller's 2xx when the INVITE's offer/answer completed in the early dialogs
   * (the caller has it already: the same again, RFC 3261 §13.2.1).
   */
  get earlySdp(): Buffer | undefined {
    return this.earlyOffer?.answered ? this.earlyOffer.sdp : undefined;
  }

  /**
   * The caller's PRACK (already matched to our provisional by the UA core): 200; when it answers
   * the callee's early offer, the answer goes on in the callee leg's PRACK; when it offers, the
   * offer goes to the callee (relayPrackOffer).
   */
  private callerPrack(incoming: IncomingRequest): void {
    const offer = this.earlyOffer;
    if (!hasBody(incoming.request)) {
      incoming.respond(200);
      return;
    }
    if (!offer || offer.answered) {
      this.call.serial(() => this.relayPrackOffer(incoming));
      return;
    }
    offer.answered = true;
    this.call.serial(async () => {
      try {
        const { caller, callee } = this.call.tags();
        const answer = await this.call.media.answer(incoming.request.body, callee, caller, 'caller');
        void this.callee.prack(offer.response, { body: answer });
      } finally {
        // §3: a PRACK that matched is answered 2xx whatever became of its answer.
        incoming.respond(200);
      }
    });
  }

  /**
   * RFC 3262 §5: an offer in the caller's PRACK, to the callee in an UPDATE; the callee's answer
   * (through the media relay) in the 200 to the PRACK. A callee that cannot take an offer now, or
   * refuses it, leaves the session as it was and the PRACK gets 488 (491 and 500 pass through:
   * the caller may retry, RFC 3311 §5.2).
   */
  private async relayPrackOffer(incoming: IncomingRequest): Promise<void> {
    const callee = this.callee;
    const open = (callee.state === 'early' && callee.earlyAnswerReceived) || callee.state === 'confirmed';
    if (!open) {
      refusePrackOffer(incoming, 488, 'Callee cannot take an offer in its early dialog');
      return;
    }
    const { caller, callee: calleeTag } = this.call.tags();
    let response: SipResponse;
    try {
      const offer = await this.call.media.offer(incoming.request.body, caller, true, 'caller');
      response = await callee.update({ body: offer });
    } catch {
      refusePrackOffer(incoming, 488, 'Offer not relayed');
      return;
    }
    if (response.status >= 200 && response.status < 300 && hasBody(response)) {
      try {
        const answer = await this.call.media.answer(response.body, caller, calleeTag, 'callee');
        incoming.respond(200, { body: answer });
      } catch {
        refusePrackOffer(incoming, 488, 'Media relay refused the answer');
      }
      return;
    }
    if (response.status === 491 || response.status === 500) {
      const retryAfter = response.get('retry-after');
      incoming.respond(response.status, retryAfter ? { headers: [['retry-after', retryAfter]] } : {});
      return;
    }
    refusePrackOffer(incoming, 488, `Callee answered the offer ${response.status}`);
  }

  /**
   * Whether our copy of the callee's provisional goes to the caller reliably: always when the
   * caller requires 100rel (RFC 3262 §3); when it only supports it, for a reliable provisional of
   * the callee's (end to end) and for early media SDP (its answer must arrive).
   */
  reliableToCaller(response: SipResponse): boolean {
    if (!this.caller.reliableProvisionals) return false;
    if (requiresTag(this.callerInvite, RELIABLE_PROVISIONALS)) return true;
    return isReliable(response) || hasBody(response);
  }

  /**
   * RFC 3311 §5.1: whether an UPDATE may cross from one early leg to the other: each leg's INVITE
   * offer was answered in a reliable provisional (ours PRACKed by the caller, the callee's PRACKed
   * by us), so neither side has an offer/answer exchange in progress.
   */
  takesUpdate(incoming: IncomingRequest, other: InviteSession): boolean {
    if (incoming.method !== 'UPDATE' || other.state !== 'early') return false;
    return this.caller.earlyAnswerAcknowledged && this.callee.earlyAnswerReceived;
  }
}
