import type { RoutingContext } from '../routing/index.js';

/** Which calls the B2BUA takes over (`b2bua.mode`). */
export const B2BUA_MODES = ['off', 'all', 'trunks'] as const;
export type B2buaMode = (typeof B2BUA_MODES)[number];

/**
 * The policy the routing role asks once the stages chose a call's targets: `off` leaves every
 * call proxied, `all` takes every new call, `trunks` takes calls from or to a trunk (a carrier
 * sees the node, never the subscriber's phone, and the call gets a CDR with its trunk).
 */
export function takesCall(mode: B2buaMode, context: RoutingContext): boolean {
  switch (mode) {
    case 'off':
      return false;
    case 'all':
      return true;
    case 'trunks':
      return context.trunk !== undefined || context.trunkCall !== undefined;
  }
}
