import type { Socket } from 'node:net';
import { StreamFramer, type StreamFramerOptions } from '../parser/index.js';
import type { Endpoint } from './types.js';

/** One open stream to a peer, accepted or opened by us, with the framer for what it receives. */
export class StreamConnection {
  /** Other keys this connection is reachable under in the by-destination map (RFC 5923 aliases). */
  readonly aliases: string[] = [];
  readonly framer: StreamFramer;
  /** Names the peer proved when it connected (a verified TLS client certificate's); empty: none. */
  peerNames: readonly string[] = [];

  constructor(
    readonly id: string,
    readonly socket: Socket,
    /** The peer as the socket sees it. */
    readonly remote: Endpoint,
    /** The key of `remote` in the transport's by-destination map. */
    readonly key: string,
    readonly outbound: boolean,
    framer: StreamFramerOptions,
  ) {
    this.framer = new StreamFramer(framer);
  }

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Write one message; resolves once handed to the kernel. The write itself happens synchronously. */
  write(data: Buffer | string, maxQueued: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(new Error(`connection ${this.id} is closed`));
      // A peer that stops reading must not make us buffer without bound.
      if (this.socket.writableLength > maxQueued)
        return reject(new Error(`connection ${this.id} is congested`));
      this.socket.write(data, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Half-close after what is queued has been sent (e.g. a 513), then destroy if the peer lingers. */
  end(graceMs: number): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
