import type { SipRequest, Via } from '../message/index.js';
import type { Endpoint } from '../transport/types.js';

/**
 * RFC 3261 §18.2.1: add `received` to the top Via when its sent-by host is not the source address;
 * RFC 3581 §4: fill an empty `rport` with the source port, and then add `received` in any case.
 * The header text itself is rewritten so forwarded copies and responses built from it carry them.
 * Returns the (possibly new) top Via, or undefined when the request has none.
 */
export function stampReceived(request: SipRequest, source: Endpoint): Via | undefined {
  const via = request.topVia;
  if (via === undefined) return undefined;
  const fillRport = via.rport === null;
  const received = via.received;
  const needReceived =
    fillRport || (received !== undefined ? received !== source.address : via.hostname !== source.address);
  if (!needReceived) return via;
  const stamped = via.clone();
  stamped.params.set('received', source.address);
  if (fillRport) stamped.params.set('rport', String(source.port));
  request.removeFirstValue('via');
  request.prepend('via', stamped.toString());
  return stamped;
}
