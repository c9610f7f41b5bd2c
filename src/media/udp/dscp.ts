import { errnoName, type NativeUdpModule } from '../../native/index.js';

/**
 * RFC 2474 §3: the DS field is the DSCP in the top six bits of the old TOS byte (EF, DSCP 46,
 * RFC 3246, is TOS 184: rtpengine's and Kamailio's `tos=184`).
 */
export function tosOf(dscp: number): number {
  return dscp << 2;
}

/** Why a node:dgram socket's packets leave unmarked: Node has no IP_TOS/IPV6_TCLASS for UDP. */
export const DGRAM_CANNOT_MARK = 'node:dgram cannot set IP_TOS/IPV6_TCLASS';

/** Sets a native socket's DS field; undefined when done, else why not (EPERM...). */
export function markNativeSocket(native: NativeUdpModule, fd: number, tos: number): string | undefined {
  if (typeof native.setTos !== 'function')
    return 'the native module was built before setTos existed (rebuild it: npm install)';
  const result = native.setTos(fd, tos);
  return result < 0 ? `setsockopt ${errnoName(native, -result)}` : undefined;
}
