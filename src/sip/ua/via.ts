import { MAGIC_COOKIE, parseVia, randomToken, type SipRequest } from '../message/index.js';
import type { ViaAddress } from './types.js';

/** A fresh RFC 3261 branch: the magic cookie then randomness unique in space and time (§8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(10);
}

/** Our Via value; rport asks for the response at the source port we sent from (RFC 3581). */
export function viaValue(address: ViaAddress, branch = newBranch()): string {
  const host =
    address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
  return `SIP/2.0/${address.transport} ${host}:${address.port};branch=${branch};rport`;
}

/** Add our Via on top of a request, with a fresh branch unless one is given. */
export function addVia(request: SipRequest, address: ViaAddress, branch?: string): void {
  request.prepend('via', viaValue(address, branch));
}

/**
 * Make the top Via name the transport actually chosen (§18.1.1: sent-protocol and sent-by follow
 * the transport), keeping its branch and parameters; add one when there is none.
 */
export function fitTopVia(request: SipRequest, address: ViaAddress): void {
  const top = request.topVia;
  if (!top) {
    addVia(request, address);
    return;
  }
  const sameSentBy = top.host === address.host && top.port === address.port;
  if (top.transport === address.transport.toUpperCase() && sameSentBy) return;
  const via = parseVia(viaValue(address, top.branch ?? newBranch()));
  for (const [name, value] of top.params) if (name.toLowerCase() !== 'branch') via.params.set(name, value);
  request.removeFirstValue('via');
  request.prepend('via', via.toString());
}
