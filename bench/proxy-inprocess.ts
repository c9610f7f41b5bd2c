/**
 * CPU per proxied call inside one process, without sockets: a fake UDP transport carries the
 * messages of SIPp's built-in uac/uas call flow (INVITE/100/180/200/ACK/BYE/200) through the
 * real stack and proxy role. Isolates our own code from the kernel and from the load generator,
 * so optimizations can be compared on a noisy machine. The driver's own string work is included.
 * With --hold the stack runs on a clock that never moves: every call's transactions stay (Timers
 * J, K, L and M never fire), so the retained bytes are those of a live call however long the run
 * takes on a loaded machine (on real time, a run longer than 32 s lets calls expire). Its CPU
 * figure leaves out the cost of real timers.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build; node --expose-gc .bench-build/bench/proxy-inprocess.js [CALLS] [--hold] [--json]
 */
import { defaultConfig } from '../src/config/index.js';
import { NodeUserAgent } from '../src/node-user-agent.js';
import { RoutingRole } from '../src/routing/index.js';
import { SipStack } from '../src/sip/stack/index.js';
import { ManualClock } from '../src/sip/transaction/index.js';
import type { Endpoint, Transport, TransportHandlers } from '../src/sip/transport/index.js';
import { TransportLayer } from '../src/sip/transport/index.js';

const calls = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
const json = process.argv.includes('--json');
const hold = process.argv.includes('--hold');
const PROXY = 5060;
const UAC = 5061;
const UAS = 5080;

const outbox: Array<{ data: Buffer; port: number }> = [];

class LoopTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: PROXY };
  handlers: TransportHandlers | undefined;
  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }
  async listen(): Promise<void> {}
  async close(): Promise<void> {}
  send(data: Buffer, destination: Endpoint): Promise<void> {
    outbox.push({ data, port: destination.port });
    return Promise.resolve();
  }
  deliver(text: string, fromPort: number): void {
    this.handlers!.onPacket({
      data: Buffer.from(text, 'latin1'),
      source: { protocol: 'udp', address: '127.0.0.1', port: fromPort },
      local: this.local,
    });
  }
}

const transport = new LoopTransport();
const layer = new TransportLayer({ onPacket: (p) => stack.receivePacket(p) });
layer.add(transport);
const config = defaultConfig();
const stack: SipStack = new SipStack({
  transports: layer,
  timers: config.sip.timers,
  ...(hold ? { clock: new ManualClock() } : {}),
});
stack.attach(
  new RoutingRole(
    stack,
    { defaultRoute: `sip:127.0.0.1:${UAS}`, mode: 'stateful', recordRoute: true, timerC: 180_000, t1: 500 },
    new NodeUserAgent(stack, config.sip.timers),
  ),
);

function field(text: string, name: string): string {
  const start = text.indexOf(`\r\n${name}: `) + name.length + 4;
  return text.slice(start, text.indexOf('\r\n', start));
}

function vias(text: string): string {
  return text
    .split('\r\n')
    .filter((l) => l.startsWith('Via: '))
    .join('\r\n');
}

/** A UAS response to a request the proxy forwarded. */
function respond(request: string, status: string, toTag: boolean): string {
  const rr = text(request, 'Record-Route');
  return [
    `SIP/2.0 ${status}`,
    vias(request),
    ...(rr ? [`Record-Route: ${rr}`] : []),
    `From: ${field(request, 'From')}`,
    `To: ${field(request, 'To')}${toTag ? ';tag=uas1' : ''}`,
    `Call-ID: ${field(request, 'Call-ID')}`,
    `CSeq: ${field(request, 'CSeq')}`,
    `Contact: <sip:127.0.0.1:${UAS};transport=UDP>`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function text(request: string, name: string): string | undefined {
  return request.includes(`\r\n${name}: `) ? field(request, name) : undefined;
}

function uacRequest(method: string, i: number, cseq: number, toTag: string, route: boolean): string {
  return [
    `${method} sip:service@127.0.0.1:${PROXY} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${UAC};branch=z9hG4bK-${i}-${cseq}-${method}`,
    ...(route ? [`Route: <sip:127.0.0.1:${PROXY};lr>`] : []),
    `From: sipp <sip:sipp@127.0.0.1:${UAC}>;tag=${i}`,
    `To: <sip:service@127.0.0.1:${PROXY}>${toTag}`,
    `Call-ID: ${i}-bench@127.0.0.1`,
    `CSeq: ${cseq} ${method}`,
    `Contact: sip:sipp@127.0.0.1:${UAC}`,
    'Max-Forwards: 70',
    'Subject: Performance Test',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function take(port: number, startsWith: string): string {
  const i = outbox.findIndex(
    (m) => m.port === port && m.data.toString('latin1', 0, startsWith.length) === startsWith,
  );
  if (i < 0) throw new Error(`nothing sent to ${port} starting with ${startsWith}`);
  return outbox.splice(i, 1)[0]!.data.toString('latin1');
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function call(i: number): Promise<void> {
  transport.deliver(uacRequest('INVITE', i, 1, '', false), UAC);
  await settle();
  take(UAC, 'SIP/2.0 100');
  const invite = take(UAS, 'INVITE');
  transport.deliver(respond(invite, '180 Ringing', true), UAS);
  take(UAC, 'SIP/2.0 180');
  transport.deliver(respond(invite, '200 OK', true), UAS);
  take(UAC, 'SIP/2.0 200');
  transport.deliver(uacRequest('ACK', i, 1, ';tag=uas1', false), UAC);
  await settle();
  take(UAS, 'ACK');
  transport.deliver(uacRequest('BYE', i, 2, ';tag=uas1', false), UAC);
  await settle();
  const byeRequest = take(UAS, 'BYE');
  transport.deliver(respond(byeRequest, '200 OK', false), UAS);
  take(UAC, 'SIP/2.0 200');
}

async function run(n: number, offset: number): Promise<void> {
  for (let i = 0; i < n; i++) await call(offset + i);
}

const gc = (globalThis as { gc?: () => void }).gc;
await run(2000, 0); // warm-up
outbox.length = 0;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(calls, 1_000_000);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const usPerCall = (cpu.user + cpu.system) / calls;
gc?.();
// Calls whose transactions are still waiting out Timers J/K/L/M (32 s) hold their state.
const retainedBytesPerCall = gc ? Math.round((process.memoryUsage().heapUsed - heap0) / calls) : undefined;
const result = {
  calls,
  usPerCall: Math.round(usPerCall),
  wallMsPerCall: +(wall / calls).toFixed(4),
  retainedBytesPerCall,
  leftover: outbox.length,
};
if (json) console.log(JSON.stringify(result));
else {
  const retained =
    retainedBytesPerCall === undefined ? '' : `, ${retainedBytesPerCall} bytes retained per live call`;
  console.log(
    `in-process proxied calls: ${calls}, CPU ${result.usPerCall} µs per call${retained}, ${result.leftover} unsent`,
  );
}
await stack.close();
process.exit(0);
