import { isIPv6 } from 'node:net';
import { ipv4Number } from '../ipv4-number.js';

/**
 * Address ranges a phone behind NAT writes into its messages, as Kamailio's nathelper checks them
 * (nat_uac_test): RFC 1918 private networks, RFC 6598 shared address space (carrier-grade NAT),
 * RFC 6890's 192.0.0.0/29, and for IPv6 RFC 4193 unique local addresses. Loopback is not among
 * them: a phone on the node's own machine is not behind NAT.
 */
const v4Ranges: ReadonlyArray<{ readonly net: number; readonly shift: number }> = [
  { net: ipv4Number('10.0.0.0'), shift: 32 - 8 },
  { net: ipv4Number('172.16.0.0'), shift: 32 - 12 },
  { net: ipv4Number('192.168.0.0'), shift: 32 - 16 },
  { net: ipv4Number('100.64.0.0'), shift: 32 - 10 },
  { net: ipv4Number('192.0.0.0'), shift: 32 - 29 },
];

/**
 * Whether `host` (an IP literal, IPv6 with or without brackets) is a private address. Asked of
 * every request's Via and Contact host (nat_uac_test): IPv4 is read in one pass over its
 * characters, no isIPv4 regular expression and no split.
 */
export function isPrivateAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const n = ipv4Number(bare);
  if (n >= 0) {
    for (const { net, shift } of v4Ranges) if ((n ^ net) >>> shift === 0) return true;
    return false;
  }
  if (isIPv6(bare)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return isPrivateAddress(mapped[1]!);
    // fc00::/7
    return /^f[cd][0-9a-f]{0,2}:/i.test(bare);
  }
  return false;
}
