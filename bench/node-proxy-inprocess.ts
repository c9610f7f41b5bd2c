/**
 * Proxied calls through a whole node as `switchboard start --default-route` builds it (default
 * configuration: stateful, the store's subscriber services and every routing stage, NAT detection,
 * flow tokens, the B2BUA's call-policy check), over UDP on loopback, driven from the same process.
 * bench/proxy-inprocess.ts wires a RoutingRole without subscriber services, so it runs only four
 * of the stages; this one runs the node's real routing path. The call flow is SIPp's built-in uac
 * and uas: INVITE/100/180/200, then ACK and BYE with the Record-Route as Route, Request-URI the
 * UAS Contact. The driver's own work (sockets, strings) is in the figures: compare A/B.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build
 *      ALLOC_PER=N node --expose-gc --import ./bench/allocation-sampler.mjs .bench-build/bench/node-proxy-inprocess.js N
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { defaultConfig } from '../src/config/index.js';
import { startNode } from '../src/node.js';

const calls = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5_000);

/** A UDP socket whose datagrams are taken in order, waiting when none arrived yet. */
class Peer {
  private readonly queue: string[] = [];
  private waiter: ((text: string) => void) | undefined;
  private constructor(readonly socket: Socket) {
    socket.on('message', (data) => {
      const text = data.toString('latin1');
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        waiter(text);
      } else this.queue.push(text);
    });
  }
  static async open(): Promise<Peer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Peer(socket);
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text, 'latin1'), port, '127.0.0.1');
  }
  next(): Promise<string> {
    const text = this.queue.shift();
    if (text !== undefined) return Promise.resolve(text);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
  /** The next datagram that starts so (a retransmission or a 100 in between is skipped). */
  async take(startsWith: string): Promise<string> {
    for (;;) {
      const text = await this.next();
      if (text.startsWith(startsWith)) return text;
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'node-proxy-bench-'));
const uac = await Peer.open();
const uas = await Peer.open();
const config = defaultConfig();
config.api.enabled = false;
config.sip.port = 0;
config.sip.listen = ['127.0.0.1'];
config.sip.transports = ['udp'];
config.proxy.defaultRoute = `sip:127.0.0.1:${uas.port}`;
config.dataDir = dir;
const node = await startNode(config, pino({ level: 'silent' }));
const proxy = node.listening[0]!.port;

function field(text: string, name: string): string {
  const start = text.indexOf(`\r\n${name}: `) + name.length + 4;
  return text.slice(start, text.indexOf('\r\n', start));
}

function lines(text: string, name: string): string[] {
  return text.split('\r\n').filter((l) => l.startsWith(`${name}: `));
}

/** The UAS's response to a request the proxy forwarded. */
function respond(request: string, status: string, toTag: boolean): string {
  return [
    `SIP/2.0 ${status}`,
    ...lines(request, 'Via'),
    ...lines(request, 'Record-Route'),
    `From: ${field(request, 'From')}`,
    `To: ${field(request, 'To')}${toTag ? ';tag=uas1' : ''}`,
    `Call-ID: ${field(request, 'Call-ID')}`,
    `CSeq: ${field(request, 'CSeq')}`,
    `Contact: <sip:127.0.0.1:${uas.port};transport=UDP>`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function uacRequest(method: string, i: number, cseq: number, dialog: string[] | undefined): string {
  const uri = dialog ? `sip:127.0.0.1:${uas.port};transport=UDP` : `sip:service@127.0.0.1:${proxy}`;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bK-${i}-${cseq}-${method}`,
    ...(dialog ?? []).map((rr) => rr.replace('Record-Route', 'Route')),
    `From: sipp <sip:sipp@127.0.0.1:${uac.port}>;tag=${i}`,
    `To: <sip:service@127.0.0.1:${proxy}>${dialog ? ';tag=uas1' : ''}`,
    `Call-ID: ${i}-bench@127.0.0.1`,
    `CSeq: ${cseq} ${method}`,
    `Contact: sip:sipp@127.0.0.1:${uac.port}`,
    'Max-Forwards: 70',
    'Subject: Performance Test',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function call(i: number): Promise<void> {
  uac.send(uacRequest('INVITE', i, 1, undefined), proxy);
  const invite = await uas.take('INVITE');
  uas.send(respond(invite, '180 Ringing', true), proxy);
  await uac.take('SIP/2.0 180');
  uas.send(respond(invite, '200 OK', true), proxy);
  const ok = await uac.take('SIP/2.0 200');
  const routeSet = lines(ok, 'Record-Route');
  uac.send(uacRequest('ACK', i, 1, routeSet), proxy);
  await uas.take('ACK');
  uac.send(uacRequest('BYE', i, 2, routeSet), proxy);
  const bye = await uas.take('BYE');
  uas.send(respond(bye, '200 OK', false), proxy);
  await uac.take('SIP/2.0 200');
}

async function run(n: number, offset: number): Promise<void> {
  for (let i = 0; i < n; i++) await call(offset + i);
}

const gc = (globalThis as { gc?: () => void }).gc;
await run(1000, 0); // warm-up
gc?.();
const cpu0 = process.cpuUsage();
await run(calls, 1_000_000);
const cpu = process.cpuUsage(cpu0);
gc?.();
console.log(
  `node proxied calls over loopback UDP: ${calls}, CPU ${Math.round((cpu.user + cpu.system) / calls)} µs per call (driver included)`,
);
await node.stop();
uac.socket.close();
uas.socket.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
