/**
 * Heap bytes per live transaction: N INVITE server transactions held in Proceeding (180 sent)
 * and N INVITE client transactions waiting in Calling, on a manual clock so nothing expires.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node --expose-gc .bench-build/bench/heap-transactions.js [N] [--json]
 */
import { createResponse, type SipRequest } from '../src/sip/message/index.js';
import { parseMessage } from '../src/sip/parser/index.js';
import { ManualClock, TransactionLayer } from '../src/sip/transaction/index.js';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50_000);
const json = process.argv.includes('--json');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

function invite(i: number): Buffer {
  return Buffer.from(
    [
      `INVITE sip:bob${i}@127.0.0.1:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-bench-${i};rport`,
      'Max-Forwards: 70',
      `From: "Alice" <sip:alice@127.0.0.1:5061>;tag=${i}`,
      `To: <sip:bob${i}@127.0.0.1:5060>`,
      `Call-ID: ${i}-bench@127.0.0.1`,
      'CSeq: 1 INVITE',
      `Contact: <sip:alice@127.0.0.1:5061>`,
      'Content-Type: application/sdp',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const source = { protocol: 'udp' as const, address: '127.0.0.1', port: 5061 };
const clock = new ManualClock();
const layer = new TransactionLayer({
  send: async () => {},
  clock,
  handlers: {
    onRequest: (request, tx) => tx.respond(createResponse(request, 180, 'Ringing', 'uas')),
  },
});

const messages = Array.from({ length: count }, (_v, i) => invite(i));
const before = heap();
for (const m of messages) layer.receive(parseMessage(m) as SipRequest, source);
const serverBytes = (heap() - before) / count;

const clientBefore = heap();
for (let i = 0; i < count; i++) {
  const request = parseMessage(invite(count + i)) as SipRequest;
  layer.sendRequest(request, source, { onResponse: () => {} });
}
const clientBytes = (heap() - clientBefore) / count;
const stats = layer.stats();
layer.close();

const result = {
  transactions: count,
  serverInviteBytes: Math.round(serverBytes),
  clientInviteBytes: Math.round(clientBytes),
  live: stats,
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(`live INVITE server transactions (request + 180 kept): ${result.serverInviteBytes} bytes each`);
  console.log(
    `live INVITE client transactions (request kept):        ${result.clientInviteBytes} bytes each`,
  );
}
