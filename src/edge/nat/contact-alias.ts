import { isIPv4, isIPv6 } from 'node:net';
import { parseNameAddress, type SipMessage, type SipUri, type Uri } from '../../sip/message/index.js';
import type { Target, TransportProtocol } from '../../sip/transport/index.js';

/** Kamailio's protocol numbers in an alias (`proto` of PROTO_UDP.. PROTO_WSS), so aliases interoperate. */
const protocolNumbers: Record<TransportProtocol, number> = { udp: 1, tcp: 2, tls: 3, ws: 5, wss: 6 };
const protocolsByNumber = new Map<string, TransportProtocol>(
  Object.entries(protocolNumbers).map(([name, n]) => [String(n), name as TransportProtocol]),
);

/** The `alias` parameter value of a source: `203.0.113.7~40312~1` (address~port~protocol). */
export function aliasValue(source: Target): string {
  const address = isIPv6(source.address) ? `[${source.address}]` : source.address;
  return `${address}~${source.port}~${protocolNumbers[source.protocol]}`;
}

/**
 * Kamailio's add_contact_alias(): the Contact URI of a message from a NATed phone gets
 * `;alias=<source address>~<port>~<protocol>`, so that requests the far end sends to that Contact
 * later in the dialog (its remote target, RFC 3261 §12.1) carry where the phone really is. The
 * record-routing node on the dialog's path reads it back (aliasTarget) and sends there. Nothing
 * happens when the Contact already says where the message came from, already has an alias, or
 * is not one SIP URI. Returns whether the Contact changed.
 */
export function addContactAlias(message: SipMessage, source: Target): boolean {
  const values = message.getAll('contact');
  if (values.length !== 1 || values[0] === '*') return false;
  let contact: ReturnType<typeof parseNameAddress>;
  try {
    contact = parseNameAddress(values[0]!);
  } catch {
    return false;
  }
  const uri = contact.uri;
  if (uri.kind !== 'sip' || uri.params.has('alias')) return false;
  const transport = (uri.transportParam ?? 'udp').toLowerCase();
  if (uri.hostname === source.address && uri.port === source.port && transport === source.protocol)
    return false;
  uri.params.set('alias', aliasValue(source));
  message.set('contact', contact.toString());
  return true;
}

/**
 * Kamailio's handle_ruri_alias(): the destination an aliased Request-URI stands for, and the URI
 * without its alias (the phone gets its own Contact back). Undefined when the URI has no valid
 * alias: a malformed one is ignored rather than followed.
 */
export function aliasTarget(uri: Uri): { uri: SipUri; target: Target } | undefined {
  if (uri.kind !== 'sip') return undefined;
  const value = uri.params.get('alias');
  if (typeof value !== 'string') return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+)~(\d{1,5})~(\d)$/.exec(value);
  if (!m) return undefined;
  const address = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  const port = Number(m[2]);
  const protocol = protocolsByNumber.get(m[3]!);
  if (!(isIPv4(address) || isIPv6(address)) || port < 1 || port > 65535 || !protocol) return undefined;
  const bare = uri.clone();
  bare.params.delete('alias');
  return { uri: bare, target: { protocol, address, port } };
}
