/** Trunks in the running node: gateway health, the least-cost routing table, gateway dispatch. */
export { ALWAYS_UP, type GatewayHealth } from './gateway-health.js';
