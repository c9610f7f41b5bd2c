/** Address helpers shared by the transports (addresses are IP literals without brackets). */

export function isIpv6(address: string): boolean {
  return address.includes(':');
}

/** `host:port`, bracketing an IPv6 address (RFC 3986 §3.2.2, RFC 3261 §19.1.1). */
export function formatHostPort(address: string, port: number): string {
  return isIpv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2): give the IPv4 form. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.', 7) ? address.slice(7) : address;
}

/** The IPv4-mapped form, for sending to an IPv4 peer from an IPv6 socket. */
export function mapIpv4(address: string): string {
  return isIpv6(address) ? address : `::ffff:${address}`;
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
