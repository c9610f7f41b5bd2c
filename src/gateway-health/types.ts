/** A gateway the node probes: its id in the store and the SIP URI OPTIONS go to. */
export interface ProbedGateway {
  id: string;
  /** `sip:host[:port][;transport=tcp]`: the Request-URI and next hop of the probe. */
  uri: string;
  /** The trunk it belongs to, for events and labels. */
  trunk?: string;
}

/** `unknown` until the first probe answers or fails; a gateway not known down takes calls. */
export type GatewayState = 'unknown' | 'up' | 'down';

/** What one probe found. */
export interface ProbeResult {
  /** The gateway answered (any response but 408 and 5xx; see probe-outcome.ts). */
  alive: boolean;
  /** The final status, or undefined when the probe timed out before any answer. */
  status?: number;
  /** Why it failed: `timeout`, or the status line of the failure. */
  reason?: string;
}

/** Sends one OPTIONS to a gateway and reports what came back (within the prober's timeout). */
export type Probe = (gateway: ProbedGateway) => Promise<ProbeResult>;

/** A gateway's probing state, as the CLI, API and /metrics show it. */
export interface GatewayHealthStatus {
  id: string;
  uri: string;
  trunk?: string;
  state: GatewayState;
  /** When the state last changed (ms since the epoch). */
  since: number;
  /** Failed probes in a row (0 after a success). */
  consecutiveFailures: number;
  /** When the last probe finished (ms since the epoch). */
  lastProbeAt?: number;
  /** The last probe's final status, if one came. */
  lastStatus?: number;
  /** Why the last failed probe failed. */
  lastError?: string;
  probes: number;
  failures: number;
}

/** Read by the routing stages: may this gateway get new calls? */
export interface GatewayHealth {
  isUp(gatewayId: string): boolean;
}
