import { createSocket, type Socket } from 'node:dgram';
import { type BuiltinMediaRelay, createBuiltinMediaRelay } from '../../src/media/relay/index.js';
import { buildRtpPacket } from '../../src/media/rtp/index.js';
import { allocatePorts } from '../interop/ports.js';

// What the built-in relay's loopback tests share: the relay on the test's thread over its own
// ports, phones made of an RTP and an RTCP socket that keep what they receive, and a G.711 packet.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A built-in relay on 127.0.0.1 with `ports` media ports of its own (an even-aligned free block),
 * its engine inline on the test's thread (vitest runs the TypeScript sources, which a worker thread
 * cannot load); `receiver` picks its sockets (the native batch module or node:dgram), `dscp` marks them.
 */
export async function inlineRelay(
  ports: number,
  options: Pick<Parameters<typeof createBuiltinMediaRelay>[0], 'receiver' | 'dscp' | 'onWarning'> = {},
): Promise<BuiltinMediaRelay> {
  const block = await allocatePorts(ports + 1);
  const base = block + (block % 2);
  return createBuiltinMediaRelay({
    address: '127.0.0.1',
    portMin: base,
    portMax: base + ports - 1,
    timeoutMs: 60_000,
    workers: 1,
    inline: true,
    ...options,
  });
}

/** A phone's media sockets (RTP on `port`, RTCP on `port + 1`) and what each received. */
export interface Phone {
  rtp: Socket;
  rtcp: Socket;
  port: number;
  received: Buffer[];
  rtcpReceived: Buffer[];
}

/** A UDP socket bound on 127.0.0.1 (port 0: any free one). */
export async function bind(port = 0): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return socket;
}

/** Phones on free loopback ports; `closeAll` closes the ones made so far (after each test). */
export function phones(): { phone(): Promise<Phone>; closeAll(): void } {
  const open: Phone[] = [];
  return {
    async phone() {
      const port = await allocatePorts(2);
      const p: Phone = {
        rtp: await bind(port),
        rtcp: await bind(port + 1),
        port,
        received: [],
        rtcpReceived: [],
      };
      open.push(p);
      p.rtp.on('message', (d) => p.received.push(d));
      p.rtcp.on('message', (d) => p.rtcpReceived.push(d));
      return p;
    },
    closeAll() {
      for (const p of open.splice(0)) {
        p.rtp.close();
        p.rtcp.close();
      }
    },
  };
}

/** A PCMU packet (20 ms) whose payload is 160 bytes of `fill`. */
export const voice = (seq: number, ssrc: number, fill = 0xff): Buffer =>
  buildRtpPacket({
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc,
    payload: Buffer.alloc(160, fill),
  });

/** An RTCP sender report (RFC 3550 §6.4.1) from `ssrc`, its sender info filled with 0x33. */
export function senderReport(ssrc: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  b.fill(0x33, 8);
  return b;
}
