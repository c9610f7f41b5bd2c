import { startKamailio } from './kamailio-process.js';
import { missingPeerReason, peersRequired, requirePeer } from './peers.js';
import type { ProxyOptions, ProxyProcess } from './proxy-process.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { startSwitchboard } from './switchboard-process.js';

/**
 * The proxy the "Switchboard" interop tests drive. SWITCHBOARD_INTEROP_TARGET=kamailio points the
 * same tests at Kamailio instead, to validate the harness and the SIPp side independently of src/.
 */
export interface ProxyUnderTest {
  name: string;
  /** Why the tests cannot run here, or undefined. */
  unavailable: string | undefined;
  start(options: ProxyOptions): Promise<ProxyProcess>;
}

export function proxyUnderTest(): ProxyUnderTest {
  if (process.env['SWITCHBOARD_INTEROP_TARGET'] === 'kamailio') {
    const bin = requirePeer('kamailio', 'kamailio');
    // One worker: with two, Kamailio sometimes relays a 180 after the 200 (see KamailioOptions).
    return {
      name: 'kamailio (SWITCHBOARD_INTEROP_TARGET=kamailio, children=1)',
      unavailable: bin ? undefined : missingPeerReason('kamailio', 'kamailio'),
      start: (options) => startKamailio(bin!, { ...options, children: 1 }),
    };
  }
  const built = switchboardBuilt();
  const reason = `${switchboardEntry} missing: run npm run build`;
  if (!built && peersRequired()) throw new Error(reason);
  return {
    name: 'switchboard',
    unavailable: built ? undefined : reason,
    start: startSwitchboard,
  };
}
