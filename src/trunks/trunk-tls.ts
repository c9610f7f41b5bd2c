import { promises as dns } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { parseSipUriStrict } from '../sip/message/index.js';
import { type ClientTls, type Endpoint, formatHostPort } from '../sip/transport/index.js';
import type { Trunk } from '../store/index.js';
import type { TrunkTablesView } from './trunk-tables.js';

/** The node's own TLS certificate, key and trust (tls.*), the default for every trunk. */
export interface OwnTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
  verifyServer?: boolean;
}

interface Material {
  trunk: string;
  /** PEM text read from the trunk's fields (inline, or from the files they name). */
  cert?: string;
  key?: string;
  ca?: string;
  /** What could not be read: connections to the trunk's gateways are not opened at all. */
  error?: string;
}

interface Entry {
  material: Material;
  /** The gateway URI's host when it is a name: SNI and the name its certificate must carry. */
  servername?: string;
}

/**
 * Per trunk, what the node presents and trusts on TLS connections it opens to that trunk's
 * gateways (RFC 5922 §7: mutual TLS between SIP domains): the trunk's client certificate and key
 * in place of the node's own, its CA in place of tls.ca. Looked up by destination address and
 * port, as the TLS transport opens connections: a gateway's host name is resolved (A/AAAA) when
 * the trunks load; gateways found only through SRV are not matched (the node's own certificate
 * goes to them).
 */
export class TrunkTls {
  private byDestination = new Map<string, Entry>();
  private readonly contexts = new WeakMap<Material, SecureContext>();
  private own: OwnTls | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Trunks whose TLS files could not be read at the last load, with why. */
  errors: string[] = [];

  constructor(private readonly onError: (message: string) => void = () => {}) {}

  /** The node's own credentials, once loaded (or made), used where a trunk gives none. */
  useOwn(own: OwnTls): void {
    this.own = own;
  }

  /** Rebuild from a snapshot of the trunk tables (one load at a time, in order). */
  load(view: Pick<TrunkTablesView, 'trunks' | 'gateways'>): Promise<void> {
    this.queue = this.queue.then(() => this.rebuild(view));
    return this.queue;
  }

  /** What the TLS transport uses for a connection to `destination`; undefined: the node's own. */
  forDestination(destination: Endpoint): ClientTls | undefined {
    const entry = this.byDestination.get(formatHostPort(destination.address.toLowerCase(), destination.port));
    if (!entry) return undefined;
    const { material } = entry;
    if (material.error !== undefined) return { error: material.error };
    let context = this.contexts.get(material);
    if (!context) {
      const cert = material.cert ?? this.own?.cert;
      const key = material.key ?? this.own?.key;
      const ca = material.ca ?? this.own?.ca;
      try {
        context = createSecureContext({ cert, key, ca, minVersion: 'TLSv1.2' });
      } catch (e) {
        return {
          error: `trunk ${material.trunk}: TLS certificate, key or CA not usable (${(e as Error).message})`,
        };
      }
      this.contexts.set(material, context);
    }
    const chosen: ClientTls = { context };
    // A trunk that names its CA wants its gateways verified, whatever tls.verifyServer says.
    if (material.ca !== undefined) chosen.verify = true;
    if (entry.servername !== undefined) chosen.servername = entry.servername;
    return chosen;
  }

  private async rebuild(view: Pick<TrunkTablesView, 'trunks' | 'gateways'>): Promise<void> {
    const next = new Map<string, Entry>();
    const errors: string[] = [];
    for (const trunk of view.trunks.values()) {
      if (!trunk.enabled || !hasTls(trunk)) continue;
      const material = await readMaterial(trunk);
      if (material.error !== undefined) {
        errors.push(material.error);
        this.onError(material.error);
      }
      for (const gateway of view.gateways.get(trunk.name) ?? []) {
        if (gateway.transport !== 'tls') continue;
        const uri = parseSipUriStrict(gateway.uri);
        const host = (uri.params.get('maddr') ?? uri.hostname).replace(/^\[|\]$/g, '').toLowerCase();
        const port = uri.port ?? 5061;
        const named = isIP(host) === 0;
        const entry: Entry = named ? { material, servername: host } : { material };
        for (const address of named ? await addressesOf(host) : [host]) {
          next.set(formatHostPort(address, port), entry);
        }
      }
    }
    this.byDestination = next;
    this.errors = errors;
  }
}

function hasTls(trunk: Trunk): boolean {
  return trunk.tlsCertificate !== undefined || trunk.tlsCa !== undefined;
}

async function readMaterial(trunk: Trunk): Promise<Material> {
  const material: Material = { trunk: trunk.name };
  const fields = [
    ['cert', 'tlsCertificate', trunk.tlsCertificate],
    ['key', 'tlsKey', trunk.tlsKey],
    ['ca', 'tlsCa', trunk.tlsCa],
  ] as const;
  for (const [slot, field, value] of fields) {
    if (value === undefined) continue;
    if (value.trimStart().startsWith('-----BEGIN')) {
      material[slot] = value;
      continue;
    }
    try {
      material[slot] = await readFile(value, 'utf8');
    } catch (e) {
      material.error = `trunk ${trunk.name}: cannot read ${field} ${value} (${(e as NodeJS.ErrnoException).code ?? e}); its TLS gateways are not connected to until it is fixed`;
      return material;
    }
  }
  return material;
}

async function addressesOf(host: string): Promise<string[]> {
  try {
    return (await dns.lookup(host, { all: true })).map((a) => a.address.toLowerCase());
  } catch {
    return [];
  }
}
