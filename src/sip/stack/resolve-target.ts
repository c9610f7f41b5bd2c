import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { SipParseError } from '../message/errors.js';
import type { SipUri, Uri } from '../message/uri.js';
import type { Target, TransportProtocol } from '../transport/types.js';

const knownTransports: Record<string, TransportProtocol> = {
  udp: 'udp',
  tcp: 'tcp',
  tls: 'tls',
  ws: 'ws',
  wss: 'wss',
};

/** Host names the resolver has already looked up, with their expiry (a small positive cache). */
const cache = new Map<string, { target: Target; expires: number }>();
const CACHE_MS = 30_000;

/**
 * Where to send a request for a URI (RFC 3263 §4, simplified): `maddr` or the host, the explicit
 * port or the default (5060, 5061 for sips/TLS), the `transport` parameter or UDP (TLS for sips).
 * An IP literal is its own address (§4.2): the target comes back at once, not as a promise, so
 * a proxy forwards in the same turn. Names go through SRV (`_sip._udp` etc.) when no port is
 * given, then A/AAAA. Throws SipParseError(416) for URIs that are not SIP.
 */
export function resolveTarget(uri: Uri): Target | Promise<Target> {
  if (uri.kind !== 'sip') throw new SipParseError(`cannot route to a ${uri.kind} URI`, 416);
  const transportParam = uri.transportParam;
  let protocol: TransportProtocol =
    transportParam !== undefined
      ? (knownTransports[transportParam] ?? 'udp')
      : uri.scheme === 'sips'
        ? 'tls'
        : 'udp';
  if (uri.scheme === 'sips' && protocol === 'udp') protocol = 'tls';
  const maddr = uri.params.get('maddr');
  const host = maddr ? maddr.replace(/^\[|\]$/g, '') : uri.hostname;
  const port = uri.port ?? (protocol === 'tls' || protocol === 'wss' ? 5061 : 5060);
  if (isIP(host)) return { protocol, address: host, port };
  return resolveName(uri, host, protocol, port);
}

/** RFC 3263 §4.2 for a host name: SRV when no port is given, then A/AAAA; cached for a while. */
async function resolveName(
  uri: SipUri,
  host: string,
  protocol: TransportProtocol,
  defaultPort: number,
): Promise<Target> {
  const key = `${host}|${uri.port ?? ''}|${protocol}`;
  const cached = cache.get(key);
  if (cached && cached.expires > Date.now()) return cached.target;
  let name = host;
  let port = defaultPort;
  if (uri.port === undefined) {
    // RFC 3263 §4.2: SRV when no port is given.
    const service = uri.scheme === 'sips' ? '_sips._tcp' : `_sip._${protocol === 'tls' ? 'tcp' : protocol}`;
    try {
      const records = await dns.resolveSrv(`${service}.${host}`);
      records.sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      const best = records[0];
      if (best) {
        name = best.name;
        port = best.port;
      }
    } catch {
      // No SRV records: fall back to A/AAAA on the host itself.
    }
  }
  const { address } = await dns.lookup(name);
  const target = { protocol, address, port };
  cache.set(key, { target, expires: Date.now() + CACHE_MS });
  return target;
}
