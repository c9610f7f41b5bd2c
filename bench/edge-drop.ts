/**
 * CPU per packet at the edge (issue 11: a banned source should cost less than 5 µs a packet):
 * EdgeGuard.admit for a banned source, for a scanner's first packet, for an ordinary request that
 * passes (User-Agent scan and rate count), and SipStack.receivePacket for a banned source (the
 * stack's side of the seam) beside the parse of the same packet when it is let through.
 * In process: the socket's own cost (libuv, the dgram 'message' event) comes on top.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node .bench-build/bench/edge-drop.js [--seconds=S] [--json]
 */
import { AllowList, DEFAULT_SCANNER_USER_AGENTS, EdgeGuard, ScannerDetector } from '../src/edge/index.js';
import { SipStack } from '../src/sip/stack/index.js';
import type { InboundPacket, TransportLayer } from '../src/sip/transport/index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const secondsArg = args.find((a) => a.startsWith('--seconds='));
const seconds = secondsArg ? Number(secondsArg.slice(10)) : 1;

const LOCAL = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060 };
function packet(address: string, userAgent: string, n: number): InboundPacket {
  const text = [
    'INVITE sip:+14155550100@192.0.2.1 SIP/2.0',
    `Via: SIP/2.0/UDP ${address}:5060;branch=z9hG4bK-${n}`,
    'Max-Forwards: 70',
    `From: <sip:100@${address}>;tag=${n}`,
    'To: <sip:+14155550100@192.0.2.1>',
    `Call-ID: ${n}@${address}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:100@${address}:5060>`,
    `User-Agent: ${userAgent}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { data: Buffer.from(text), source: { protocol: 'udp', address, port: 5060 }, local: LOCAL };
}

function guard(floodRequests: number): EdgeGuard {
  return new EdgeGuard({
    floodRequests,
    floodWindowMs: 2000,
    floodBanMs: 300_000,
    authFailures: 10,
    authBanMs: 600_000,
    scannerBanMs: 3_600_000,
    maxSources: 100_000,
    scanners: new ScannerDetector(DEFAULT_SCANNER_USER_AGENTS),
    allow: new AllowList(['10.0.0.0/8']),
  });
}

/** ns per call of `run(i)`, over `seconds` after a warm-up. */
function measure(run: (i: number) => void): number {
  for (let i = 0; i < 100_000; i++) run(i);
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 10_000; i++) run(calls + i);
    calls += 10_000;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / calls;
}

const results: Record<string, number> = {};

// A banned source: one map lookup, a counter.
const banned = guard(16);
banned.banManually('198.51.100.7', undefined);
const floodPacket = packet('198.51.100.7', 'SIPp flood', 1);
results['banned source, EdgeGuard.admit'] = measure(() => banned.admit(floodPacket));

// An ordinary request passing: User-Agent scan, rate count (the limit is never reached here).
const open = guard(1_000_000_000);
const phone = packet('198.51.100.8', 'baresip v1.0.0 (x86_64/linux)', 2);
results['request let through, EdgeGuard.admit'] = measure(() => open.admit(phone));

// A scanner's packets from 10,000 addresses (each one's first packet: the scan, then the ban).
const scanners = guard(16);
const scannerPackets = Array.from({ length: 10_000 }, (_, i) =>
  packet(`203.0.${i >> 8}.${i & 255}`, 'friendly-scanner', i),
);
results['scanner packet, EdgeGuard.admit'] = measure((i) => {
  const p = scannerPackets[i % scannerPackets.length]!;
  scanners.admit(p);
});

// The stack with the guard as its packet filter: a banned source never reaches the parser.
const sent: Buffer[] = [];
const transports = {
  transports: [{ local: LOCAL }],
  send: async (data: Buffer) => void sent.push(data),
} as unknown as TransportLayer;
const stack = new SipStack({ transports, packetFilter: banned });
results['banned source, SipStack.receivePacket'] = measure(() => stack.receivePacket(floodPacket));
// The same packet let through to the parser and the sanity checks (no handler attached: dropped after).
const unfiltered = new SipStack({ transports });
results['parse of that packet when not banned, SipStack.receivePacket'] = measure(() =>
  unfiltered.receivePacket(floodPacket),
);
stack.close();
unfiltered.close();

if (json) console.log(JSON.stringify({ nsPerPacket: results }, null, 2));
else
  for (const [name, ns] of Object.entries(results))
    console.log(`${name.padEnd(64)} ${(ns / 1000).toFixed(3)} µs`);
