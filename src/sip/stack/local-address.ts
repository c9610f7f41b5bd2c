import { networkInterfaces } from 'node:os';

/** Whether an address is a wildcard bind address that cannot be written into Via or Record-Route. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The first non-internal address of the machine for a family, or loopback when there is none. */
export function primaryAddress(family: 4 | 6): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (
        (family === 4 && info.family === 'IPv4') ||
        (family === 6 && info.family === 'IPv6' && !info.scopeid)
      ) {
        return info.address;
      }
    }
  }
  return family === 4 ? '127.0.0.1' : '::1';
}

/** Host text for Via/URIs: IPv6 addresses in brackets (RFC 3261 §25.1 IPv6reference). */
export function hostForUri(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
