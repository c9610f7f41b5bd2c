import { addContactAlias, aliasTarget, natedContact, natUacTest, repairSdp } from '../../edge/nat/index.js';
import type { SipRequest, SipResponse, Uri } from '../../sip/message/index.js';
import type { ForwardTarget } from '../../sip/proxy/index.js';
import type { Target } from '../../sip/transport/index.js';
import { CONTINUE, type Decision } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';

/** NAT handling of a node (the `nat.*` configuration keys). */
export interface NatOptions {
  /** nat_uac_test flags that find a sender behind NAT (src/edge/nat/nat-test.ts). */
  detect: number;
  /** Alias NATed phones' Contacts and follow aliased Request-URIs (add_contact_alias, handle_ruri_alias). */
  contactAlias: boolean;
  /** Rewrite NATed phones' private SDP addresses to their source (fix_nated_sdp). */
  sdpRepair: boolean;
}

/**
 * NAT traversal of requests, before route pre-processing (Kamailio's stock NATDETECT route): a
 * request whose sender nat_uac_test finds behind NAT gets its Contact aliased with its source
 * when the node is its first hop, so in-dialog requests towards it come back to its NAT binding;
 * its SDP's private addresses become the source address on every copy the node relays (a role
 * that takes the call, like a B2BUA anchoring media, relays no copy and gets it as sent). Never
 * decides. REGISTERs are left to the registrar, which keeps every binding's source anyway.
 *
 * It also leaves itself in the context: the static routing reads aliased Request-URIs through it,
 * and callee lookup marks branches to NATed bindings so their answers get the same treatment.
 */
export class NatTraversal implements RequestStage {
  readonly name = 'nat';

  constructor(readonly options: NatOptions) {}

  decide(request: SipRequest, context: RoutingContext): Decision {
    context.nat = this;
    if (request.method === 'REGISTER') return CONTINUE;
    const source = context.source;
    if (!natUacTest(request, source, this.options.detect)) return CONTINUE;
    if (this.options.contactAlias && isFirstHop(request)) addContactAlias(request, source);
    if (this.options.sdpRepair && request.body.length > 0) {
      const before = context.prepare;
      context.prepare = (copy) => {
        repairSdp(copy, source.address);
        before?.(copy);
      };
    }
    return CONTINUE;
  }

  /**
   * handle_ruri_alias: where a Request-URI that carries an alias goes (the URI without it, and the
   * NATed source it names), for a request whose Request-URI is its next hop; the phone's answer
   * gets its Contact aliased and its SDP repaired like any NATed phone's (Kamailio's nat=yes rr param).
   */
  aliasOf(uri: Uri): ForwardTarget | undefined {
    if (!this.options.contactAlias) return undefined;
    const alias = aliasTarget(uri);
    if (!alias) return undefined;
    const target: ForwardTarget = { uri: alias.uri, nextHop: alias.target };
    // Its answer (a re-INVITE's 200) comes from behind the same NAT: same treatment.
    const fix = this.responseFix(alias.uri.toString(), alias.target);
    if (fix) target.prepareResponse = fix;
    return target;
  }

  /** The response edits of a branch to a registered contact behind NAT; undefined when it is not. */
  responseFix(contact: string, source: Target): ((response: SipResponse) => void) | undefined {
    const { contactAlias, sdpRepair } = this.options;
    if (!(contactAlias || sdpRepair) || !natedContact(contact, source)) return undefined;
    return (response) => {
      if (response.status >= 300) return;
      if (contactAlias) addContactAlias(response, source);
      if (sdpRepair && response.body.length > 0) repairSdp(response, source.address);
    };
  }
}

/** Kamailio's is_first_hop: the node is the first SIP hop when the request carries one Via. */
function isFirstHop(request: SipRequest): boolean {
  try {
    return request.via.length === 1;
  } catch {
    return false;
  }
}
