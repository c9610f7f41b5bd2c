/**
 * A loopback TCP relay between a WebSocket client and server that parses every client-to-server
 * WebSocket frame header (RFC 6455 §5.2) as it passes, so tests see the real frame sizes on the wire,
 * and that can drop the server's replies, stall, or cut every connection.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TappedFrame {
  /** Whole frame on the wire: header, masking key and payload. */
  bytes: number;
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  masked: boolean;
}

export class WsTap {
  readonly frames: TappedFrame[] = [];
  /** Discard what the server sends (the ACKs) while set. */
  dropReplies = false;
  /** Stop reading from the client (TCP backpressure reaches it) while set; applies to new data. */
  stallClient = false;
  onFrame: ((frame: TappedFrame, count: number) => void) | undefined;
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as { port: number }).port;
  }

  /** Cuts every relayed connection at once, as a network failure would. */
  cutAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    let handshakeDone = false;
    let head: Buffer = Buffer.alloc(0);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk) => {
      upstream.write(chunk);
      if (this.stallClient) client.pause();
      if (!handshakeDone) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        handshakeDone = true;
        pending = head.subarray(end + 4);
      } else {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      }
      pending = this.parse(pending);
    });
    upstream.on('data', (chunk) => {
      if (!this.dropReplies) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  /** Records every complete frame in `data`; returns the incomplete rest. */
  private parse(data: Buffer): Buffer {
    let at = 0;
    while (data.length - at >= 2) {
      const b0 = data[at]!;
      const b1 = data[at + 1]!;
      const masked = (b1 & 0x80) !== 0;
      const len7 = b1 & 0x7f;
      const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const headerBytes = 2 + ext + (masked ? 4 : 0);
      if (data.length - at < headerBytes) break;
      const payload =
        len7 === 126 ? data.readUInt16BE(at + 2) : len7 === 127 ? Number(data.readBigUInt64BE(at + 2)) : len7;
      if (data.length - at < headerBytes + payload) break;
      const frame: TappedFrame = {
        bytes: headerBytes + payload,
        opcode: b0 & 0x0f,
        fin: (b0 & 0x80) !== 0,
        rsv1: (b0 & 0x40) !== 0,
        masked,
      };
      this.frames.push(frame);
      this.onFrame?.(frame, this.frames.length);
      at += headerBytes + payload;
    }
    return data.subarray(at);
  }
}
