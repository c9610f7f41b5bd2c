import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, PcapWriter } from '../../../../src/media/pcap/index.js';
import { buildRtpPacket } from '../../../../src/media/rtp/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcap-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const endpoints = { srcAddress: '192.0.2.1', srcPort: 40000, dstAddress: '192.0.2.254', dstPort: 50000 };

function ipChecksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

function rtp(seq: number): Buffer {
  return buildRtpPacket({
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc: 42,
    payload: new Uint8Array(160).fill(seq),
  });
}

let tshark: string | undefined;
try {
  tshark = execFileSync('which', ['tshark']).toString().trim() || undefined;
} catch {
  tshark = undefined;
}

describe('PcapWriter', () => {
  it('writes a libpcap file of IPv4/UDP datagrams with microsecond timestamps', async () => {
    const path = join(dir, 'raw.pcap');
    const w = new PcapWriter(path, endpoints);
    w.write(rtp(1), 1_700_000_000_123.456);
    w.write(rtp(2), 1_700_000_000_144 - 0.0001);
    await w.close();
    const b = await readFile(path);
    expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect([b.readUInt16LE(4), b.readUInt16LE(6)]).toEqual([2, 4]);
    expect(b.readUInt32LE(20)).toBe(LINKTYPE_RAW);
    let o = 24;
    for (const [seq, sec, usec] of [
      [1, 1_700_000_000, 123_456],
      [2, 1_700_000_000, 144_000],
    ] as const) {
      expect(b.readUInt32LE(o)).toBe(sec);
      expect(b.readUInt32LE(o + 4)).toBe(usec);
      const len = b.readUInt32LE(o + 8);
      expect(len).toBe(20 + 8 + 172);
      expect(b.readUInt32LE(o + 12)).toBe(len);
      const ip = b.subarray(o + 16, o + 16 + len);
      expect(ip[0]).toBe(0x45);
      expect(ip.readUInt16BE(2)).toBe(len);
      expect(ip[9]).toBe(17);
      expect([...ip.subarray(12, 16)]).toEqual([192, 0, 2, 1]);
      expect([...ip.subarray(16, 20)]).toEqual([192, 0, 2, 254]);
      expect(ipChecksumOk(ip.subarray(0, 20))).toBe(true);
      expect([ip.readUInt16BE(20), ip.readUInt16BE(22), ip.readUInt16BE(24)]).toEqual([
        40000,
        50000,
        8 + 172,
      ]);
      expect(ip.subarray(28).equals(rtp(seq))).toBe(true);
      o += 16 + len;
    }
    expect(o).toBe(b.length);
    expect(w.packets).toBe(2);
  });

  it('can frame packets in Ethernet', async () => {
    const path = join(dir, 'eth.pcap');
    const w = new PcapWriter(path, endpoints, { linkType: LINKTYPE_ETHERNET });
    w.write(rtp(7), 1000);
    await w.close();
    const b = await readFile(path);
    expect(b.readUInt32LE(20)).toBe(LINKTYPE_ETHERNET);
    expect(b.readUInt32LE(24 + 8)).toBe(14 + 20 + 8 + 172);
    expect(b.readUInt16BE(24 + 16 + 12)).toBe(0x0800);
    expect(ipChecksumOk(b.subarray(24 + 16 + 14, 24 + 16 + 34))).toBe(true);
  });

  it('rejects a non-IPv4 address at construction', () => {
    expect(() => new PcapWriter(join(dir, 'x.pcap'), { ...endpoints, srcAddress: '::1' })).toThrow(TypeError);
  });

  // Needs Debian's `tshark` package; skipped where it is not installed.
  it.skipIf(!tshark)('is decoded as RTP by tshark', async () => {
    const path = join(dir, 'tshark.pcap');
    const w = new PcapWriter(path, endpoints);
    for (let seq = 1; seq <= 5; seq++) w.write(rtp(seq), 1000 + seq * 20);
    await w.close();
    const out = execFileSync(
      tshark!,
      ['-r', path, '-d', 'udp.port==50000,rtp', '-T', 'fields', '-e', 'rtp.seq', '-e', 'rtp.ssrc'],
      { timeout: 20_000 },
    ).toString();
    expect(out.trim().split('\n')).toEqual([1, 2, 3, 4, 5].map((s) => `${s}\t0x0000002a`));
  });
});
