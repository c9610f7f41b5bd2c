import type { SipRequest, SipResponse } from '../message/index.js';
import type { ViaAddress } from './types.js';
import { addVia } from './via.js';

/** A delta-seconds value (RFC 4028 §4): 1*DIGIT, ignoring any parameters. */
function seconds(value: string | undefined): number | undefined {
  const head = value?.split(';')[0]?.trim();
  if (head === undefined || !/^\d{1,10}$/.test(head)) return undefined;
  return Number(head);
}

/**
 * RFC 4028 §7.4: the INVITE to send again after a 422 (Session Interval Too Small): the same
 * Call-ID, From and To, the next CSeq number and a new branch (RFC 3261 §8.1.3.5), Session-Expires
 * raised to the 422's Min-SE (its refresher kept) and Min-SE set to it. Undefined when the 422
 * has no usable Min-SE or the INVITE asked for no session timer, so the 422 stands.
 */
export function retryForMinSe(
  invite: SipRequest,
  response: SipResponse,
  via: ViaAddress,
): SipRequest | undefined {
  if (response.status !== 422) return undefined;
  const minSe = seconds(response.get('min-se'));
  const asked = invite.get('session-expires');
  const interval = seconds(asked);
  if (minSe === undefined || interval === undefined || minSe < 1) return undefined;
  const retry = invite.clone();
  retry.remove('via');
  addVia(retry, via);
  retry.set('cseq', `${invite.cseq.seq + 1} INVITE`);
  const params = asked!.slice(asked!.split(';')[0]!.length);
  retry.set('session-expires', `${Math.max(interval, minSe)}${params}`);
  retry.set('min-se', String(minSe));
  return retry;
}
