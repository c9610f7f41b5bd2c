/**
 * SIP parser throughput and memory: messages per second for a typical INVITE (with SDP) and a
 * 200 OK, for parse only, parse + what a proxy reads, and parse + proxy changes + serialize;
 * then heap bytes per parsed message kept alive.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node --expose-gc .bench-build/bench/parser.js [--json]
 * Options: --seconds=S per sample (default 0.5), --samples=N (default 7), --retain=N (default 100000).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { SipMessage } from '../src/sip/message/index.js';
import { parseMessage } from '../src/sip/parser/index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string, fallback: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const sampleSeconds = option('seconds', 0.5);
const samples = option('samples', 7);
const retainCount = option('retain', 100_000);

const sdp = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.101',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 96 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:96 opus/48000/2',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

function invite(i: number): Buffer {
  return Buffer.from(
    [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      `Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.${i}`,
      `Via: SIP/2.0/UDP 192.0.2.101:5060;received=192.0.2.101;rport=5060;branch=z9hG4bK74bf9.${i}`,
      'Max-Forwards: 69',
      'Record-Route: <sip:proxy1.atlanta.example.com;lr>',
      'To: Bob <sip:bob@biloxi.example.com>',
      `From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl.${i}`,
      `Call-ID: 3848276298220188511.${i}@atlanta.example.com`,
      'CSeq: 31862 INVITE',
      'Contact: <sip:alice@192.0.2.101:5060;transport=udp>',
      'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, UPDATE, PRACK',
      'Supported: replaces, timer, 100rel',
      'User-Agent: Switchboard-bench/1.0',
      'Content-Type: application/sdp',
      `Content-Length: ${sdp.length}`,
      '',
      sdp,
    ].join('\r\n'),
    'latin1',
  );
}

function ok(i: number): Buffer {
  return Buffer.from(
    [
      'SIP/2.0 200 OK',
      `Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.${i}`,
      `Via: SIP/2.0/UDP 192.0.2.101:5060;received=192.0.2.101;rport=5060;branch=z9hG4bK74bf9.${i}`,
      'Record-Route: <sip:proxy1.atlanta.example.com;lr>',
      `To: Bob <sip:bob@biloxi.example.com>;tag=8321234356.${i}`,
      `From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl.${i}`,
      `Call-ID: 3848276298220188511.${i}@atlanta.example.com`,
      'CSeq: 31862 INVITE',
      'Contact: <sip:bob@192.0.2.4:5060>',
      'Content-Type: application/sdp',
      `Content-Length: ${sdp.length}`,
      '',
      sdp,
    ].join('\r\n'),
    'latin1',
  );
}

// A sink the optimizer cannot see through, so no work is thrown away.
let sink = 0;

type Scenario = (data: Buffer) => void;

const scenarios: Array<[string, Scenario]> = [
  [
    'parse',
    (data) => {
      sink += parseMessage(data).headers.length;
    },
  ],
  [
    'parse + proxy reads',
    (data) => {
      const m = parseMessage(data);
      // What a stateful proxy touches to match a transaction and a dialog.
      sink += m.topVia!.branch!.length + m.cseq.seq + m.callId.length;
      sink += (m.from.tag ?? '').length + (m.to.tag ?? '').length;
    },
  ],
  [
    'parse + modify + serialize',
    (data) => {
      const m = parseMessage(data);
      if (m.isRequest) {
        m.prepend('via', 'SIP/2.0/UDP proxy2.example.com:5060;branch=z9hG4bKbench1');
        m.set('max-forwards', String(m.maxForwards! - 1));
      } else {
        // Responses go the other way: a proxy pops its own Via.
        m.removeFirstValue('via');
      }
      sink += m.toBuffer().length;
    },
  ],
];

const messages: Array<[string, (i: number) => Buffer]> = [
  ['INVITE+SDP', invite],
  ['200 OK+SDP', ok],
];

/** Messages per second: median and best of several timed samples, after a warm-up. */
function throughput(run: Scenario, make: (i: number) => Buffer): { median: number; best: number } {
  // Several distinct inputs so nothing benefits from seeing the same buffer every time.
  const inputs = Array.from({ length: 64 }, (_, i) => make(i));
  const timed = (ms: number) => {
    let n = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(ms * 1e6));
    let now = start;
    while (now < deadline) {
      for (let k = 0; k < 256; k++) run(inputs[(n + k) & 63]!);
      n += 256;
      now = process.hrtime.bigint();
    }
    return n / (Number(now - start) / 1e9);
  };
  timed(300); // warm-up: JIT
  const rates = Array.from({ length: samples }, () => timed(sampleSeconds * 1000)).sort((a, b) => a - b);
  // The best sample shows what the code can do when the machine is not busy with anything else.
  return { median: rates[Math.floor(rates.length / 2)]!, best: rates.at(-1)! };
}

function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    return typeof fn === 'function' ? (fn as () => void) : undefined;
  } catch {
    return undefined;
  }
}

interface HeapResult {
  message: string;
  variant: string;
  bytesPerMessage: number;
  externalPerMessage: number;
  wireBytes: number;
}

/**
 * Heap bytes per message kept alive: parse `count` messages (inputs built beforehand, as a
 * transport would have them) and retain them; the delta of heapUsed after full GCs, per message.
 * The input bytes themselves live outside the JS heap (Buffer backing stores) and are already
 * counted in the baseline; `externalPerMessage` shows any extra off-heap memory.
 */
function heapPerMessage(
  gc: () => void,
  name: string,
  make: (i: number) => Buffer,
  variant: string,
  touch: (m: SipMessage) => void,
): HeapResult {
  const inputs = Array.from({ length: retainCount }, (_, i) => make(i));
  const kept: SipMessage[] = new Array(retainCount);
  const usage = () => {
    gc();
    gc();
    const u = process.memoryUsage();
    return { heap: u.heapUsed, external: u.external + u.arrayBuffers };
  };
  const before = usage();
  for (let i = 0; i < retainCount; i++) {
    const m = parseMessage(inputs[i]!);
    touch(m);
    kept[i] = m;
  }
  const after = usage();
  sink += kept.length;
  return {
    message: name,
    variant,
    bytesPerMessage: Math.round((after.heap - before.heap) / retainCount),
    externalPerMessage: Math.round((after.external - before.external) / retainCount),
    wireBytes: inputs[0]!.length,
  };
}

const proxyReads = (m: SipMessage) => {
  sink += m.topVia!.branch!.length + m.cseq.seq + m.callId.length + (m.from.tag ?? '').length;
  sink += (m.to.tag ?? '').length;
};

interface Row {
  scenario: string;
  message: string;
  bytes: number;
  perSecond: number;
  bestPerSecond: number;
  usPerMessage: number;
}
const rows: Row[] = [];
for (const [scenario, run] of scenarios) {
  for (const [name, make] of messages) {
    const { median, best } = throughput(run, make);
    rows.push({
      scenario,
      message: name,
      bytes: make(0).length,
      perSecond: Math.round(median),
      bestPerSecond: Math.round(best),
      usPerMessage: Math.round(1e8 / median) / 100,
    });
  }
}

const gc = getGc();
const heap: HeapResult[] = [];
if (gc) {
  for (const [name, make] of messages) {
    heap.push(heapPerMessage(gc, name, make, 'parsed', () => {}));
    heap.push(heapPerMessage(gc, name, make, 'parsed + proxy reads', proxyReads));
  }
}

if (json) {
  console.log(
    JSON.stringify(
      {
        node: process.version,
        sampleSeconds,
        samples,
        retained: retainCount,
        throughput: rows,
        heap,
      },
      null,
      2,
    ),
  );
} else {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number, digits = 0) =>
    n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log(`SIP parser benchmark (node ${process.version}, ${samples} samples x ${sampleSeconds} s)`);
  console.log('');
  console.log(
    `${pad('scenario', 28)}${pad('message', 13)}${'bytes'.padStart(7)}${'msg/s med'.padStart(12)}${'best'.padStart(11)}${'µs/msg'.padStart(9)}`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.scenario, 28)}${pad(r.message, 13)}${String(r.bytes).padStart(7)}` +
        `${num(r.perSecond).padStart(12)}${num(r.bestPerSecond).padStart(11)}${num(r.usPerMessage, 2).padStart(9)}`,
    );
  }
  console.log(
    'modify = request: prepend Via, Max-Forwards - 1; response: pop the top Via. µs/msg from the median.',
  );
  console.log('');
  if (heap.length === 0) console.log('heap per retained message: n/a (run node with --expose-gc)');
  else {
    console.log(`heap per retained message (${num(retainCount)} kept)`);
    console.log(
      `${pad('message', 13)}${pad('variant', 24)}${'heap B'.padStart(8)}${'off-heap B'.padStart(12)}${'wire B'.padStart(8)}`,
    );
    for (const h of heap) {
      console.log(
        `${pad(h.message, 13)}${pad(h.variant, 24)}${String(h.bytesPerMessage).padStart(8)}` +
          `${String(h.externalPerMessage).padStart(12)}${String(h.wireBytes).padStart(8)}`,
      );
    }
  }
}
if (sink === -1) console.log('');
