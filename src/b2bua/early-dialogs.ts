import type { SipMessage, SipRequest, SipResponse } from '../sip/message/index.js';
import {
  type IncomingRequest,
  type InviteClientSession,
  type InviteServerSession,
  type InviteSession,
  isReliable,
  RELIABLE_PROVISIONALS,
  requiresTag,
} from '../sip/ua/index.js';

function hasBody(message: SipMessage): boolean {
  return message.body.length > 0;
}

/**
 * The early dialogs of one B2BUA call (RFC 3262, RFC 3311 §5.1). Reliability is hop by hop: the
 * callee leg offers 100rel and PRACKs the callee's reliable provisionals itself (the UA core does);
 * the caller gets reliable provisionals of our own (our RSeq, retransmitted until its PRACK) when
 * its INVITE allows them. Once both legs completed the INVITE's offer/answer reliably in their
 * early dialogs, an UPDATE from either side crosses to the other before the call is answered.
 */
export class EarlyDialogs {
  constructor(
    private readonly callerInvite: SipRequest,
    private readonly caller: InviteServerSession,
    private readonly callee: InviteClientSession,
  ) {}

  /**
   * Headers for the callee leg's INVITE: Supported: 100rel when the caller's INVITE has an offer
   * (a reliable provisional answers it; with a delayed offer the callee's provisional would offer
   * and its PRACK would need the caller's answer, which this B2BUA does not relay).
   */
  static calleeInviteHeaders(callerInvite: SipRequest): Array<[string, string]> {
    return hasBody(callerInvite) ? [['supported', RELIABLE_PROVISIONALS]] : [];
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
