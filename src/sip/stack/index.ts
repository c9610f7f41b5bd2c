export type { OverloadControl, PacketFilter, StackLoad } from './admission.js';
export type { StackCounters } from './counters.js';
export { hostForUri, isWildcard, primaryAddress } from './local-address.js';
export { resolveTarget } from './resolve-target.js';
export {
  type SentBy,
  SipStack,
  type SipStackOptions,
  type StackHandlers,
  type StackLogger,
} from './sip-stack.js';
