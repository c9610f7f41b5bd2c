/** Trunks in the running node: gateway health, the least-cost routing table, gateway dispatch. */
export { dialledDigits, manipulate } from './dialled-number.js';
export { Dispatcher } from './dispatcher.js';
export { ALWAYS_UP, type GatewayHealth } from './gateway-health.js';
export { InboundTrunks } from './inbound-trunks.js';
export { type LcrEntry, LcrTable } from './lcr-table.js';
export { isTimeZone, type RoutingClock, type RoutingMoment, zonedClock } from './routing-clock.js';
export { buildTables, TrunkTables, type TrunkTablesOptions, type TrunkTablesView } from './trunk-tables.js';
export { type OwnTls, TrunkTls } from './trunk-tls.js';
