import { join } from 'node:path';
import { repoRoot } from './repo.js';
import { runSipp, type SippResult, sippPorts } from './sipp.js';

export interface CarrierCall {
  /** `host:port` the call is sent to: the node's trunk side, or a carrier in front of it. */
  target: string;
  /** The local address SIPp sends from (the trunk's inbound CIDR, or not). */
  from: string;
  /** The number called, in the Request-URI and To. */
  did: string;
  /** A carrier that proves itself with digest instead of its address (carrier-uac-auth.xml). */
  credentials?: { username: string; password: string };
}

/** A carrier's caller (SIPp, scenarios/carrier-uac*.xml) calls the DID once; the message trace is returned. */
export async function carrierCalls(bin: string, call: CarrierCall): Promise<SippResult> {
  const ports = await sippPorts({ address: call.from, transport: 'udp' });
  const scenario = call.credentials ? 'carrier-uac-auth.xml' : 'carrier-uac.xml';
  const args = [
    '-sf',
    join(repoRoot, 'test', 'interop', 'scenarios', scenario),
    ...(call.credentials ? ['-au', call.credentials.username, '-ap', call.credentials.password] : []),
    call.target,
    ...ports.args,
    '-s',
    call.did,
    '-m',
    '1',
    '-recv_timeout',
    '10000',
    '-timeout',
    '20',
  ];
  return runSipp(bin, args, 30_000, { traceMessages: true });
}
