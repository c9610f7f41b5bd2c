import type { PacketSink, RecordedPacket } from '../../../../src/recording/types.js';

/** A PacketSink that keeps what it gets, for assertions. */
export class MemorySink implements PacketSink {
  readonly packets: RecordedPacket[] = [];
  closed = false;
  failure: string | undefined;

  write(packet: RecordedPacket): void {
    this.packets.push(packet);
  }

  async close(failure?: string): Promise<void> {
    this.closed = true;
    this.failure = failure;
  }
}

/** `count` distinct packets of `size` bytes over two legs; each one's bytes say which it is. */
export function makePackets(count: number, size = 172, start = 1_700_000_000_000): RecordedPacket[] {
  const packets: RecordedPacket[] = [];
  for (let i = 0; i < count; i++) {
    const data = Buffer.alloc(size, i & 0xff);
    data.writeUInt32BE(i, 0);
    data[4] = 0x80;
    packets.push({ leg: i % 2, arrivalMs: start + i * 10 + 0.123, data });
  }
  return packets;
}
