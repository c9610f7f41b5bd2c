export { FlowTokens } from './flow-token.js';
export { Outbound, type RouteFlow } from './outbound.js';
