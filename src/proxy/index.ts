export { ProxyRole } from './proxy-role.js';
export type { LocalRequestHandler, ProxyRoleOptions } from './types.js';
