import { parseUri } from '../sip/message/index.js';
import type { ProbedGateway } from './types.js';

/** The parts of a stored gateway probing needs (the store's Gateway). */
export interface StoredGateway {
  id: string;
  trunk: string;
  uri: string;
  transport: string;
  probe: boolean;
  enabled: boolean;
}

/**
 * The gateways to probe: probing on, the gateway and its trunk enabled. The probe goes over the
 * gateway's transport: its URI gets `;transport=` when the transport is not UDP and the URI does
 * not say (RFC 3263 §4.1 would pick UDP for a URI without one). A URI that does not parse is left
 * out: the store refuses those, so it cannot be probed meaningfully anyway.
 */
export function probedGateways(
  gateways: readonly StoredGateway[],
  trunks: readonly { name: string; enabled: boolean }[],
): ProbedGateway[] {
  const enabledTrunks = new Set(trunks.filter((t) => t.enabled).map((t) => t.name));
  const probed: ProbedGateway[] = [];
  for (const gateway of gateways) {
    if (!gateway.probe || !gateway.enabled || !enabledTrunks.has(gateway.trunk)) continue;
    let uri: string;
    try {
      const parsed = parseUri(gateway.uri);
      if (parsed.kind !== 'sip') continue;
      if (gateway.transport !== 'udp' && parsed.transportParam === undefined && parsed.scheme === 'sip')
        parsed.params.set('transport', gateway.transport);
      uri = parsed.toString();
    } catch {
      continue;
    }
    probed.push({ id: gateway.id, uri, trunk: gateway.trunk });
  }
  return probed;
}
