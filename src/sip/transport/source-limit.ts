import type net from 'node:net';
import { unmapIpv4 } from './address.js';

/**
 * Bounds the sockets a stream listener holds, counted from the moment the kernel hands them over
 * (before any TLS or WebSocket handshake), in all and per source address: a peer opening
 * connections by the thousand — stalled handshakes, half-open or idle sockets — takes at most its
 * share, and the others still get in. Sockets over a limit are destroyed at once. On a server
 * shared with other traffic (WebSocket on the API's port) sockets are admitted at their upgrade.
 */
export class SourceLimit {
  /** Sockets destroyed because their source, or the listener, was at its limit. */
  refused = 0;
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerSource: number,
  ) {}

  /** Count the listener's sockets; runs before its own connection handling (a prepended listener). */
  attach(server: net.Server): void {
    server.prependListener('connection', (socket: net.Socket) => this.admit(socket));
  }

  /** Sockets held now from `address`. */
  heldBy(address: string): number {
    return this.bySource.get(unmapIpv4(address)) ?? 0;
  }

  /** Count one socket until it closes; one over a limit is destroyed at once (false). */
  admit(socket: net.Socket): boolean {
    const address = unmapIpv4(socket.remoteAddress ?? '');
    const held = this.bySource.get(address) ?? 0;
    if (address === '' || held >= this.maxPerSource || this.total >= this.maxTotal) {
      this.refused++;
      socket.on('error', () => {});
      socket.destroy();
      return false;
    }
    this.bySource.set(address, held + 1);
    this.total++;
    socket.once('close', () => {
      this.total--;
      const left = (this.bySource.get(address) ?? 1) - 1;
      if (left <= 0) this.bySource.delete(address);
      else this.bySource.set(address, left);
    });
    return true;
  }
}
