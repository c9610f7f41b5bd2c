export {
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_PROBE_TIMEOUT_MS,
  GatewayProber,
  type GatewayProberOptions,
} from './gateway-prober.js';
export { optionsProbe } from './options-probe.js';
export { answeredAlive } from './probe-outcome.js';
export { probedGateways, type StoredGateway } from './probed-gateways.js';
export type {
  GatewayHealth,
  GatewayHealthStatus,
  GatewayState,
  Probe,
  ProbedGateway,
  ProbeResult,
} from './types.js';
