import dgram from 'node:dgram';
import type { InboundPacket, TransportDrop, TransportHandlers } from '../../../src/sip/transport/index.js';

/** Whether this machine can bind an address (IPv6 loopback is missing in some containers). */
export async function canBind(address: string): Promise<boolean> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address, port: 0 }, () => socket.close(() => resolve(true)));
  });
}

/** Handlers that record what arrives, with a way to wait for the next packet or drop. */
export class Recorder implements TransportHandlers {
  readonly packets: InboundPacket[] = [];
  readonly drops: TransportDrop[] = [];
  private waiters: Array<() => void> = [];

  onPacket(packet: InboundPacket): void {
    this.packets.push(packet);
    this.wake();
  }

  onDrop(drop: TransportDrop): void {
    this.drops.push(drop);
    this.wake();
  }

  /** Resolve once `test` holds, re-checked on every packet or drop; fail after `ms`. */
  until(test: () => boolean, ms = 2000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting')), ms);
      const check = () => {
        if (!test()) return this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export function sipMessage(requestLine: string, body = ''): Buffer {
  const head = [
    requestLine,
    'Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-test',
    'Call-ID: test-call',
    'CSeq: 1 OPTIONS',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n');
  return Buffer.from(head + '\r\n\r\n' + body);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
