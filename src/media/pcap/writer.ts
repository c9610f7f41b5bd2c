import { BufferedFile, type BufferedFileOptions } from '../wav/index.js';

/** libpcap link types used here (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

export interface UdpEndpoints {
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
}

export interface PcapWriterOptions extends BufferedFileOptions {
  /** LINKTYPE_RAW (IPv4 straight away, the default) or LINKTYPE_ETHERNET (a fixed dummy MAC header). */
  linkType?: typeof LINKTYPE_RAW | typeof LINKTYPE_ETHERNET;
}

const RECORD_HEADER = 16;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;
const ETHERNET_HEADER = 14;
const MAX_UDP_PAYLOAD = 65535 - IPV4_HEADER - UDP_HEADER;

function ipv4Bytes(address: string): number[] {
  const parts = address.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new TypeError(`not an IPv4 address: ${address}`);
  }
  return parts;
}

/**
 * Writes UDP payloads (RTP packets) to a libpcap file (magic a1b2c3d4, version 2.4, microsecond
 * timestamps) as IPv4/UDP datagrams between fixed endpoints, so Wireshark/tshark can decode them
 * (`-d udp.port==<dstPort>,rtp`). Streaming: records are buffered and written as they come.
 */
export class PcapWriter {
  private readonly file: BufferedFile;
  private readonly linkType: number;
  /** The constant part of each packet's IPv4+UDP (and Ethernet) headers, filled per packet. */
  private readonly template: Buffer;
  private readonly ipOffset: number;
  private readonly checksumBase: number;
  private ipId = 0;
  packets = 0;

  constructor(
    readonly path: string,
    endpoints: UdpEndpoints,
    options: PcapWriterOptions = {},
  ) {
    this.linkType = options.linkType ?? LINKTYPE_RAW;
    const src = ipv4Bytes(endpoints.srcAddress);
    const dst = ipv4Bytes(endpoints.dstAddress);
    this.file = new BufferedFile(path, options);
    const global = Buffer.alloc(24);
    global.writeUInt32LE(0xa1b2c3d4, 0);
    global.writeUInt16LE(2, 4);
    global.writeUInt16LE(4, 6);
    global.writeInt32LE(0, 8); // thiszone
    global.writeUInt32LE(0, 12); // sigfigs
    global.writeUInt32LE(65535, 16); // snaplen
    global.writeUInt32LE(this.linkType, 20);
    this.file.append(global);

    this.ipOffset = this.linkType === LINKTYPE_ETHERNET ? ETHERNET_HEADER : 0;
    const t = Buffer.alloc(this.ipOffset + IPV4_HEADER + UDP_HEADER);
    if (this.linkType === LINKTYPE_ETHERNET) {
      // Locally administered dummy MACs; EtherType IPv4.
      t.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0);
      t.writeUInt16BE(0x0800, 12);
    }
    const ip = this.ipOffset;
    t[ip] = 0x45; // version 4, IHL 5
    t[ip + 6] = 0x40; // don't fragment
    t[ip + 8] = 64; // TTL
    t[ip + 9] = 17; // UDP
    t.set(src, ip + 12);
    t.set(dst, ip + 16);
    t.writeUInt16BE(endpoints.srcPort, ip + IPV4_HEADER);
    t.writeUInt16BE(endpoints.dstPort, ip + IPV4_HEADER + 2);
    this.template = t;
    // RFC 791 header checksum: sum of the 16-bit words that never change, added to per packet.
    let sum = 0;
    for (let i = 0; i < IPV4_HEADER; i += 2) sum += t.readUInt16BE(ip + i);
    this.checksumBase = sum;
  }

  /** Appends one datagram carrying `payload`, captured at `timeMs` (ms since the epoch). */
  write(payload: Uint8Array, timeMs: number): void {
    const length = Math.min(payload.length, MAX_UDP_PAYLOAD);
    const frameLength = this.template.length + length;
    const slot = this.file.reserve(RECORD_HEADER + this.template.length);
    if (!slot) return;
    const { buffer: b, offset: o } = slot;
    let seconds = Math.floor(timeMs / 1000);
    let micros = Math.round((timeMs - seconds * 1000) * 1000);
    if (micros >= 1_000_000) {
      seconds += 1;
      micros -= 1_000_000;
    }
    b.writeUInt32LE(seconds >>> 0, o);
    b.writeUInt32LE(micros, o + 4);
    b.writeUInt32LE(frameLength, o + 8);
    b.writeUInt32LE(frameLength, o + 12);
    const h = o + RECORD_HEADER;
    this.template.copy(b, h);
    const ip = h + this.ipOffset;
    const totalLength = IPV4_HEADER + UDP_HEADER + length;
    const id = this.ipId;
    this.ipId = (id + 1) & 0xffff;
    b.writeUInt16BE(totalLength, ip + 2);
    b.writeUInt16BE(id, ip + 4);
    let sum = this.checksumBase + totalLength + id;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    b.writeUInt16BE(~sum & 0xffff, ip + 10);
    b.writeUInt16BE(UDP_HEADER + length, ip + IPV4_HEADER + 4);
    // UDP checksum 0: "no checksum" is allowed over IPv4 (RFC 768).
    this.file.append(length === payload.length ? payload : payload.subarray(0, length));
    this.packets++;
  }

  get error(): Error | undefined {
    return this.file.error;
  }

  get bytes(): number {
    return this.file.size;
  }

  /** Flushes and closes; safe to call twice; never rejects (see `error`). */
  close(): Promise<void> {
    return this.file.close();
  }
}
