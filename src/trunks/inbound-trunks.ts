import { BlockList, isIP } from 'node:net';
import type { Trunk } from '../store/index.js';

interface Network {
  trunk: Trunk;
  length: number;
  list: BlockList;
}

/**
 * Which trunk a request comes from: by the verified TLS client certificate of its connection
 * (a name it carries), by its source address, the most specific of the trunks' networks first
 * (a /32 of one carrier inside another's /24 is the first carrier's), or by the username of its
 * digest credentials. Enabled trunks only.
 */
export class InboundTrunks {
  private readonly networks: Network[] = [];
  private readonly byUsername = new Map<string, Trunk>();
  private readonly byTlsName = new Map<string, Trunk>();
  /** Answers per source address (bounded): a carrier sends from a handful of addresses. */
  private readonly bySource = new Map<string, Trunk | null>();

  constructor(trunks: Iterable<Trunk>) {
    for (const trunk of trunks) {
      if (!trunk.enabled) continue;
      if (trunk.inboundUsername !== undefined) this.byUsername.set(trunk.inboundUsername, trunk);
      if (trunk.inboundTlsName !== undefined) this.byTlsName.set(trunk.inboundTlsName.toLowerCase(), trunk);
      for (const cidr of trunk.inboundCidrs) {
        const [address, bits] = cidr.split('/') as [string, string | undefined];
        const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
        const length = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
        const list = new BlockList();
        list.addSubnet(address, length, family);
        this.networks.push({ trunk, length, list });
      }
    }
    this.networks.sort((a, b) => b.length - a.length);
  }

  /** Whether any trunk takes digest credentials (else nothing is ever challenged for a trunk). */
  get hasCredentials(): boolean {
    return this.byUsername.size > 0;
  }

  bySourceAddress(address: string): Trunk | undefined {
    const known = this.bySource.get(address);
    if (known !== undefined) return known ?? undefined;
    const found = this.lookup(address);
    if (this.bySource.size >= 10_000) this.bySource.clear();
    this.bySource.set(address, found ?? null);
    return found;
  }

  byDigestUsername(username: string): Trunk | undefined {
    return this.byUsername.get(username);
  }

  /** Whether any trunk is recognised by its TLS client certificate. */
  get hasTlsNames(): boolean {
    return this.byTlsName.size > 0;
  }

  /** The trunk whose inbound TLS name is one of those a verified client certificate carries. */
  byCertificateNames(names: readonly string[]): Trunk | undefined {
    for (const name of names) {
      const trunk = this.byTlsName.get(name.toLowerCase());
      if (trunk) return trunk;
    }
    return undefined;
  }

  private lookup(address: string): Trunk | undefined {
    const family = isIP(address);
    if (family === 0) return undefined;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    for (const network of this.networks) {
      if (network.list.check(address, type)) return network.trunk;
    }
    return undefined;
  }
}
