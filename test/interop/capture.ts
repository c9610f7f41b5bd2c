import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Child } from './child.js';

/** One captured UDP datagram on loopback. */
export interface CapturedDatagram {
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** The DSCP of its IP header (IPv4 DS field or IPv6 traffic class, RFC 2474). */
  dscp: number;
}

/**
 * A tshark capture on lo with a capture (BPF) filter, written to a pcapng file and read back as
 * UDP datagrams. tshark needs the right to capture (root, or the wireshark group's dumpcap).
 */
export class LoopbackCapture {
  private constructor(
    private readonly bin: string,
    private readonly child: Child,
    private readonly dir: string,
    private readonly file: string,
  ) {}

  /**
   * Starts capturing; resolves once the capture has seen a probe: a CRLF keep-alive (RFC 5626
   * §3.5.1, ignored by SIP stacks) sent to `probePort`, which the filter must match. tshark says
   * "Capturing on" before its filter is in place, so the first packets would be lost otherwise.
   */
  static async start(bin: string, name: string, filter: string, probePort: number): Promise<LoopbackCapture> {
    const dir = mkdtempSync(join(tmpdir(), `sb-capture-${name}-`));
    const file = join(dir, `${name}.pcapng`);
    const child = new Child(`tshark ${name}`, bin, ['-i', 'lo', '-f', filter, '-w', file, '-q']);
    const capture = new LoopbackCapture(bin, child, dir, file);
    try {
      await child.waitForLine((line) => line.includes('Capturing on'), 10_000);
      await capture.probe(probePort, 10_000);
    } catch (error) {
      await capture.stop();
      capture.cleanup();
      throw new Error(`tshark did not start capturing: ${(error as Error).message}\n${child.report()}`);
    }
    return capture;
  }

  /**
   * Sends CRLF probes to `port` until the capture file grows. The kernel hands captured packets
   * over in blocks, in order: once a probe is written, so is everything sent before it.
   */
  async probe(port: number, timeoutMs: number): Promise<void> {
    const size = () => {
      try {
        return statSync(this.file).size;
      } catch {
        return 0;
      }
    };
    const socket = createSocket('udp4');
    try {
      const deadline = Date.now() + timeoutMs;
      let empty = 0;
      for (;;) {
        if (empty === 0) empty = size();
        await new Promise<void>((resolve) => socket.send('\r\n\r\n', port, '127.0.0.1', () => resolve()));
        await new Promise((r) => setTimeout(r, 100));
        // dumpcap writes each packet as it comes: the file grows past its header.
        if (empty > 0 && size() > empty) return;
        if (Date.now() > deadline)
          throw new Error(`the capture saw no probe to port ${port} in ${timeoutMs} ms`);
      }
    } finally {
      socket.close();
    }
  }

  /** Stops the capture (tshark flushes its file on SIGTERM). */
  async stop(): Promise<void> {
    await this.child.stop(5_000);
  }

  /** Every UDP datagram captured (after stop). */
  async datagrams(): Promise<CapturedDatagram[]> {
    const { stdout } = await promisify(execFile)(
      this.bin,
      [
        '-r',
        this.file,
        '-T',
        'fields',
        '-E',
        'separator=,',
        '-e',
        'udp.srcport',
        '-e',
        'udp.dstport',
        '-e',
        'udp.payload',
        '-e',
        'ip.dsfield.dscp',
        '-e',
        'ipv6.tclass.dscp',
      ],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [src, dst, hex, dscp4, dscp6] = line.split(',');
        return {
          srcPort: Number(src),
          dstPort: Number(dst),
          payload: Buffer.from(hex ?? '', 'hex'),
          dscp: Number(dscp4 || dscp6 || 0),
        };
      });
  }

  report(): string {
    return this.child.report();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
