import { isIPv6 } from 'node:net';
import type { SipMessage } from '../../sip/message/index.js';
import { isPrivateAddress } from './private-address.js';

/** `c=IN IP4 192.168.1.5` (RFC 4566 §5.7) and `o=user sess ver IN IP4 192.168.1.5` (§5.2). */
const connectionLine = /^(c=IN IP[46] )([^\s/]+)(.*)$/;
const originLine = /^(o=\S+ \S+ \S+ IN IP[46] )(\S+)(.*)$/;
/** Bodies larger than this are left alone (an SDP is a few hundred bytes). */
const MAX_SDP = 16 * 1024;

function sdpText(message: SipMessage): string | undefined {
  const type = message.contentType;
  if (type === undefined || !/^\s*application\/sdp\s*(;|$)/i.test(type)) return undefined;
  const body = message.body;
  if (body.length === 0 || body.length > MAX_SDP) return undefined;
  return body.toString('latin1');
}

/** The connection addresses (c=) of a message's SDP body; none when it has no SDP. */
export function sdpAddresses(message: SipMessage): string[] {
  const text = sdpText(message);
  if (text === undefined) return [];
  const addresses: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = connectionLine.exec(line);
    if (m) addresses.push(m[2]!);
  }
  return addresses;
}

/**
 * Kamailio's fix_nated_sdp("10"): the private connection (c=) and origin (o=) addresses of the SDP
 * become `address`, the one the message came from, so the far end sends its media to the NAT's
 * public side, where symmetric RTP from the phone has opened the way (RFC 4961). A held stream's
 * 0.0.0.0 and public addresses stay. Returns whether anything changed.
 */
export function repairSdp(message: SipMessage, address: string): boolean {
  const text = sdpText(message);
  if (text === undefined) return false;
  const family = isIPv6(address) ? 'IP6' : 'IP4';
  let changed = false;
  const lines = text.split('\n').map((raw) => {
    const cr = raw.endsWith('\r') ? '\r' : '';
    const line = cr ? raw.slice(0, -1) : raw;
    const m = connectionLine.exec(line) ?? originLine.exec(line);
    if (!m || !isPrivateAddress(m[2]!)) return raw;
    changed = true;
    const prefix = m[1]!.replace(/IP[46] $/, `${family} `);
    // A multicast TTL (`/127`) belongs to multicast addresses, never to a private unicast one.
    const rest = line.startsWith('c=') ? m[3]!.replace(/^\/\d+(\/\d+)?/, '') : m[3]!;
    return `${prefix}${address}${rest}${cr}`;
  });
  if (!changed) return false;
  message.setBody(Buffer.from(lines.join('\n'), 'latin1'));
  return true;
}
