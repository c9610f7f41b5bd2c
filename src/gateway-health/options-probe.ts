import { parseUri } from '../sip/message/index.js';
import type { UserAgentCore } from '../sip/ua/index.js';
import { answeredAlive } from './probe-outcome.js';
import type { Probe, ProbedGateway, ProbeResult } from './types.js';

/**
 * Probes through the node's UA core: an out-of-dialog OPTIONS (RFC 3261 §11) to the gateway's URI,
 * From the node's own address, like Kamailio's dispatcher (ds_ping_from) and Asterisk's qualify.
 * Its final response decides (probe-outcome.ts); the prober bounds the wait.
 */
export function optionsProbe(core: UserAgentCore, fromUser = 'switchboard'): Probe {
  return async (gateway: ProbedGateway): Promise<ProbeResult> => {
    const local = core.transport.localContact();
    // A URI, not name-addr text: `sip:host;transport=tcp` unbracketed would make the parameter the
    // To header's (RFC 3261 §20) and the probe would go over UDP.
    const request = core.createRequest('OPTIONS', {
      to: parseUri(gateway.uri),
      from: `sip:${fromUser}@${local.host}${local.port === undefined ? '' : `:${local.port}`}`,
      headers: [['accept', 'application/sdp']],
    });
    const response = await core.request(request);
    if (answeredAlive(response.status)) return { alive: true, status: response.status };
    return { alive: false, status: response.status, reason: `${response.status} ${response.reason}` };
  };
}
