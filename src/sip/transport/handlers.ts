import type { InboundPacket, TransportDrop, TransportHandlers } from './types.js';

/** Handlers that discard everything, until a transport is attached to its owner. */
export const noHandlers: TransportHandlers = { onPacket() {} };

/** Deliver a packet; a throwing handler must not take the socket's event loop down with it. */
export function emitPacket(handlers: TransportHandlers, packet: InboundPacket): void {
  try {
    handlers.onPacket(packet);
  } catch (e) {
    handlers.onError?.(e);
  }
}

export function emitDrop(handlers: TransportHandlers, drop: TransportDrop): void {
  try {
    handlers.onDrop?.(drop);
  } catch (e) {
    handlers.onError?.(e);
  }
}
