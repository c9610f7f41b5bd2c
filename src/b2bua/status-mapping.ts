import { parseParameters, type SipMessage } from '../sip/message/index.js';

/**
 * RFC 3398 §8.2.6.1: the ISUP (Q.850) cause for a SIP failure status, as gateways map them; the
 * classes' defaults for statuses the table leaves out.
 */
const Q850_BY_STATUS: Record<number, number> = {
  400: 41,
  401: 21,
  402: 21,
  403: 21,
  404: 1,
  405: 63,
  406: 79,
  407: 21,
  408: 102,
  410: 22,
  413: 127,
  414: 127,
  415: 79,
  416: 127,
  420: 127,
  421: 127,
  423: 127,
  480: 18,
  481: 41,
  482: 25,
  483: 25,
  484: 28,
  485: 1,
  486: 17,
  488: 127,
  500: 41,
  501: 79,
  502: 38,
  503: 41,
  504: 102,
  505: 127,
  513: 127,
  600: 17,
  603: 21,
  604: 1,
  606: 58,
};

/** Q.850 16, normal call clearing: an answered call ended by BYE, or a caller who gave up. */
export const NORMAL_CLEARING = 16;

/** The Q.850 cause for a final status (RFC 3398 §8.2.6.1); 16 for 2xx and for 487. */
export function q850ForStatus(status: number): number {
  if (status < 300 || status === 487) return NORMAL_CLEARING;
  const cause = Q850_BY_STATUS[status];
  if (cause !== undefined) return cause;
  if (status >= 600) return 31;
  if (status >= 500) return 41;
  return 31; // normal, unspecified (3xx and other 4xx)
}

/** RFC 3326: the Q.850 cause of a message's `Reason: Q.850;cause=N`, if it carries one. */
export function q850FromReason(message: SipMessage): number | undefined {
  for (const value of message.getAll('reason')) {
    const semi = value.indexOf(';');
    if (semi < 0 || value.slice(0, semi).trim().toUpperCase() !== 'Q.850') continue;
    let cause: number;
    try {
      cause = Number(parseParameters(value, semi).params.get('cause'));
    } catch {
      continue; // a malformed Reason says nothing
    }
    if (Number.isInteger(cause) && cause > 0 && cause < 128) return cause;
  }
  return undefined;
}

/**
 * The status the caller gets for a callee leg's failure: the same, except answers about the
 * B2BUA's own request, which mean nothing to the caller — a challenge for credentials the B2BUA
 * does not hold (403), a redirect to the far side's contacts (480: the B2BUA does not recurse and
 * hides them), and hop-by-hop refusals of its extensions or CSeq (500). A 487 the caller did not
 * ask for (it did not CANCEL) is the relay giving up on a ringing callee at Timer C (RFC 3261
 * §16.8: CANCEL, else behave as on 408): 408, as Kamailio answers at fr_inv_timer.
 */
export function callerStatusFor(calleeStatus: number): number {
  if (calleeStatus === 487) return 408;
  if (calleeStatus >= 300 && calleeStatus < 400) return 480;
  if (calleeStatus === 401 || calleeStatus === 407) return 403;
  if ([420, 421, 422, 423, 481, 491, 494].includes(calleeStatus)) return 500;
  return calleeStatus;
}

/**
 * RFC 3326 Reason for the caller: the callee side's own Q.850 Reason when it gave one, else the
 * SIP status the callee leg ended with.
 */
export function reasonFor(calleeAnswer: SipMessage, status: number, text?: string): string {
  const q850 = calleeAnswer.getAll('reason').find((value) => value.trim().toUpperCase().startsWith('Q.850'));
  if (q850 !== undefined) return q850;
  return text ? `SIP;cause=${status};text="${text.replace(/["\\\r\n]/g, '')}"` : `SIP;cause=${status}`;
}

/** Disposition of an ended call for its events and CDR. */
export type Disposition = 'answered' | 'busy' | 'no-answer' | 'cancelled' | 'failed';

export function dispositionFor(answered: boolean, status: number, cancelled: boolean): Disposition {
  if (answered) return 'answered';
  if (cancelled || status === 487) return 'cancelled';
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480) return 'no-answer';
  return 'failed';
}
