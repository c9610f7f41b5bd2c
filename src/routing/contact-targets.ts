import type { Binding } from '../location/index.js';
import { parseNameAddress, parseUri } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { NatTraversal } from './stages/nat.js';

/**
 * The targets of a user's registered contacts (RFC 3261 §16.5), each through the address its
 * REGISTER came from, or its Path (RFC 3327). Contacts that no longer parse are left out. With NAT
 * traversal on, answers from contacts behind NAT are aliased and repaired like their requests.
 */
export function contactTargets(bindings: Iterable<Binding>, nat?: NatTraversal): ForwardTarget[] {
  const targets: ForwardTarget[] = [];
  for (const binding of bindings) {
    let uri: ReturnType<typeof parseUri>;
    try {
      uri = parseUri(binding.contact);
    } catch {
      continue;
    }
    const target: ForwardTarget = { uri, q: binding.q };
    const firstPath = binding.path[0];
    if (firstPath !== undefined) {
      // RFC 3327 §5.3: the Path becomes the Route set, and the first Path entry the next hop.
      target.routes = [...binding.path];
      target.nextHop = parseNameAddress(firstPath).uri;
    } else {
      // Back to where the REGISTER came from, not to the contact's (possibly private) address.
      const { protocol, address, port, connectionId } = binding.source;
      target.nextHop = connectionId ? { protocol, address, port, connectionId } : { protocol, address, port };
      // Its answers, from behind NAT, get the NAT treatment too (Kamailio's reply route NATMANAGE).
      const fix = nat?.responseFix(binding.contact, binding.source);
      if (fix) target.prepareResponse = fix;
    }
    targets.push(target);
  }
  return targets;
}
