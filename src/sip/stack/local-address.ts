import { networkInterfaces } from 'node:os';

/** Whether an address is a wildcard bind address that cannot be written into Via or Record-Route. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/**
 * The first non-internal address of the machine for a family, or loopback when there is none.
 * Asked on the request path (is this URI ours?), so the interface list is read at most every 30 s.
 */
export function primaryAddress(family: 4 | 6): string {
  const now = Date.now();
  const cached = primaryCache[family];
  if (cached && cached.until > now) return cached.address;
  const address = readPrimaryAddress(family);
  primaryCache[family] = { address, until: now + 30_000 };
  return address;
}

const primaryCache: Record<4 | 6, { address: string; until: number } | undefined> = {
  4: undefined,
  6: undefined,
};

function readPrimaryAddress(family: 4 | 6): string {
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
