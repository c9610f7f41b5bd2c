import { isIP } from 'node:net';

export interface NgAddress {
  host: string;
  port: number;
  /** Socket type to reach it: IPv6 literals need udp6; names and IPv4 use udp4. */
  type: 'udp4' | 'udp6';
}

/** Parses `host:port`, `[v6]:port`; throws a TypeError naming the input when it is not one. */
export function parseNgAddress(address: string): NgAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(address.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`not an ng address (host:port): "${address}"`);
  }
  if (match?.[1] !== undefined && isIP(host) !== 6) throw new TypeError(`not an IPv6 address: "${address}"`);
  return { host, port, type: isIP(host) === 6 ? 'udp6' : 'udp4' };
}
