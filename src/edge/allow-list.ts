import { BlockList, isIP } from 'node:net';

/**
 * Sources never banned nor rate-limited: operators' networks (`edge.allow`) and, through
 * `alsoAllowed`, trunks' source networks (they move with the store).
 */
export class AllowList {
  private readonly networks = new BlockList();
  private readonly count: number;

  constructor(
    cidrs: readonly string[],
    private readonly alsoAllowed: (address: string) => boolean = () => false,
  ) {
    for (const cidr of cidrs) {
      const [address, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIP(address);
      if (family === 0) throw new Error(`not an IP address or network: ${cidr}`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      this.networks.addSubnet(address, bits === undefined ? (family === 6 ? 128 : 32) : Number(bits), type);
    }
    this.count = cidrs.length;
  }

  allows(address: string): boolean {
    if (this.count > 0) {
      const family = isIP(address);
      if (family !== 0 && this.networks.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
    }
    return this.alsoAllowed(address);
  }
}
