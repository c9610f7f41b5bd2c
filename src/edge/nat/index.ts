export { addContactAlias, aliasTarget, aliasValue } from './contact-alias.js';
export {
  type KeepaliveCounters,
  type KeepaliveLocation,
  type KeepalivePing,
  NatKeepalive,
  type NatKeepaliveOptions,
} from './keepalive.js';
export { ALL_NAT_TESTS, DEFAULT_NAT_TESTS, NatTest, natedContact, natedUri, natUacTest } from './nat-test.js';
export { crlfPing, optionsPing, type SendRaw, type SendRequest } from './pings.js';
export { isPrivateAddress } from './private-address.js';
export { repairSdp, sdpAddresses } from './sdp-repair.js';
