export { ProxyRole } from './proxy-role.js';
export { SubscriberRouter, type SubscriberRoutingDeps, type UserRoute } from './subscriber-router.js';
export type {
  LocalRequestHandler,
  ProxyRoleOptions,
  RegisterHandler,
  SubscriberRouting,
} from './types.js';
