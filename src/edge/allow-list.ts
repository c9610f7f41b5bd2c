import { BlockList, isIP } from 'node:net';
import { ipv4Number } from './ipv4-number.js';

interface Ipv4Network {
  base: number;
  mask: number;
}

/**
 * Sources never banned nor rate-limited: operators' networks (`edge.allow`), the node's own
 * addresses and, through `alsoAllowed`, trunks' source networks (they move with the store).
 * Asked for every request that passes the ban check, so IPv4 is matched with integer masks:
 * node's BlockList.check costs about 9 µs a call.
 */
export class AllowList {
  private readonly ipv4: Ipv4Network[] = [];
  private readonly ipv6 = new BlockList();
  private ipv6Count = 0;

  constructor(
    cidrs: readonly string[],
    private readonly alsoAllowed: (address: string) => boolean = () => false,
  ) {
    for (const cidr of cidrs) {
      const [address, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIP(address);
      if (family === 0) throw new Error(`not an IP address or network: ${cidr}`);
      if (family === 4) {
        const length = bits === undefined ? 32 : Number(bits);
        const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
        this.ipv4.push({ base: (ipv4Number(address) & mask) >>> 0, mask });
      } else {
        this.ipv6.addSubnet(address, bits === undefined ? 128 : Number(bits), 'ipv6');
        this.ipv6Count++;
      }
    }
  }

  allows(address: string): boolean {
    const v4 = ipv4Number(address);
    if (v4 >= 0) {
      for (const n of this.ipv4) if ((v4 & n.mask) >>> 0 === n.base) return true;
    } else if (this.ipv6Count > 0 && isIP(address) === 6 && this.ipv6.check(address, 'ipv6')) {
      return true;
    }
    return this.alsoAllowed(address);
  }
}
