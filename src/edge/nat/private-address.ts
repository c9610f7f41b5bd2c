import { isIPv4, isIPv6 } from 'node:net';

/**
 * Address ranges a phone behind NAT writes into its messages, as Kamailio's nathelper checks them
 * (nat_uac_test): RFC 1918 private networks, RFC 6598 shared address space (carrier-grade NAT),
 * RFC 6890's 192.0.0.0/29, and for IPv6 RFC 4193 unique local addresses. Loopback is not among
 * them: a phone on the node's own machine is not behind NAT.
 */
const v4Ranges: ReadonlyArray<readonly [number, number]> = [
  [ipv4Number('10.0.0.0'), 8],
  [ipv4Number('172.16.0.0'), 12],
  [ipv4Number('192.168.0.0'), 16],
  [ipv4Number('100.64.0.0'), 10],
  [ipv4Number('192.0.0.0'), 29],
];

/** Whether `host` (an IP literal, IPv6 with or without brackets) is a private address. */
export function isPrivateAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(bare)) {
    const n = ipv4Number(bare);
    return v4Ranges.some(([net, bits]) => (n ^ net) >>> (32 - bits) === 0);
  }
  if (isIPv6(bare)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return isPrivateAddress(mapped[1]!);
    // fc00::/7
    return /^f[cd][0-9a-f]{0,2}:/i.test(bare);
  }
  return false;
}

function ipv4Number(address: string): number {
  let n = 0;
  for (const part of address.split('.')) n = n * 256 + Number(part);
  return n >>> 0;
}
