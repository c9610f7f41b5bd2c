import { parseUri, type SipMessage, type SipUri, type Uri, type Via } from '../../sip/message/index.js';
import type { Target } from '../../sip/transport/index.js';
import { isPrivateAddress } from './private-address.js';
import { sdpAddresses } from './sdp-repair.js';

/**
 * The tests of Kamailio's nat_uac_test(flags), with its numbering, so a Kamailio operator's
 * `nat_uac_test("19")` reads the same here (nat.detect).
 */
export const NatTest = {
  /** The Contact URI's host is a private address. */
  privateContact: 1,
  /** The top Via's sent-by host is not the source address (RFC 3261 §18.2.1's received test). */
  viaReceived: 2,
  /** The top Via's sent-by host is a private address. */
  privateVia: 4,
  /** The SDP body has a private connection address. */
  privateSdp: 8,
  /** The top Via's sent-by port is not the source port (RFC 3581). */
  viaPort: 16,
  /** The source address itself is private (the node sits inside the NATed network's edge). */
  privateSource: 32,
  /** The request came over WebSocket (a browser is always behind something). */
  webSocket: 64,
  /** The Contact URI's port is not the source port. */
  contactPort: 128,
  /** The SDP connection address is not the source address. */
  sdpSource: 256,
} as const;

/** Every test flag together: the largest valid nat.detect. */
export const ALL_NAT_TESTS = 511;

/** Kamailio's stock configuration: nat_uac_test("19") = private Contact, Via received, Via port. */
export const DEFAULT_NAT_TESTS = NatTest.privateContact | NatTest.viaReceived | NatTest.viaPort;

const defaultPorts: Record<string, number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

/**
 * nat_uac_test: whether any of the tests in `flags` finds the sender behind NAT. `source` is where
 * the message came from as the transport saw it. Unparseable headers count as no evidence.
 */
export function natUacTest(message: SipMessage, source: Target, flags: number): boolean {
  if (flags & NatTest.webSocket && (source.protocol === 'ws' || source.protocol === 'wss')) return true;
  if (flags & NatTest.privateSource && isPrivateAddress(source.address)) return true;
  if (flags & (NatTest.viaReceived | NatTest.privateVia | NatTest.viaPort)) {
    const via = topVia(message);
    if (via) {
      if (flags & NatTest.viaReceived && !sameAddress(via.hostname, source.address)) return true;
      if (flags & NatTest.privateVia && isPrivateAddress(via.hostname)) return true;
      const sentPort = via.port ?? defaultPorts[source.protocol] ?? 5060;
      if (flags & NatTest.viaPort && sentPort !== source.port) return true;
    }
  }
  if (flags & (NatTest.privateContact | NatTest.contactPort)) {
    const contact = firstContactUri(message);
    if (contact) {
      if (flags & NatTest.privateContact && isPrivateAddress(contact.hostname)) return true;
      const port = contact.port ?? defaultPorts[source.protocol] ?? 5060;
      if (flags & NatTest.contactPort && port !== source.port) return true;
    }
  }
  if (flags & (NatTest.privateSdp | NatTest.sdpSource)) {
    for (const address of sdpAddresses(message)) {
      if (flags & NatTest.privateSdp && isPrivateAddress(address)) return true;
      if (flags & NatTest.sdpSource && !sameAddress(address, source.address)) return true;
    }
  }
  return false;
}

/** Whether a registered contact is behind NAT: a private host, or not where its REGISTER came from. */
export function natedContact(contact: string, source: Target): boolean {
  let uri: Uri;
  try {
    uri = parseUri(contact);
  } catch {
    return false;
  }
  return uri.kind === 'sip' && natedUri(uri, source);
}

/** natedContact for a Contact URI already parsed (a request's own Contact: no second parse). */
export function natedUri(uri: SipUri, source: Target): boolean {
  if (isPrivateAddress(uri.hostname)) return true;
  const port = uri.port ?? defaultPorts[source.protocol] ?? 5060;
  return !sameAddress(uri.hostname, source.address) || port !== source.port;
}

// Unparseable headers count as no evidence: these read them without throwing.

function topVia(message: SipMessage): Via | undefined {
  try {
    return message.topVia;
  } catch {
    return undefined;
  }
}

function firstContactUri(message: SipMessage): SipUri | undefined {
  let contacts: SipMessage['contacts'];
  try {
    contacts = message.contacts;
  } catch {
    return undefined;
  }
  const uri = Array.isArray(contacts) ? contacts[0]?.uri : undefined;
  return uri?.kind === 'sip' ? uri : undefined;
}

function sameAddress(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}
