/**
 * Heap bytes per live transaction: N INVITE server transactions held in Proceeding (180 sent)
 * and N INVITE client transactions waiting in Calling, on a manual clock so nothing expires; and
 * per REGISTER answered with a 401 challenge over UDP, waiting out Timer J as a completed record
 * (V8 heap plus the response bytes outside it).
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node --expose-gc .bench-build/bench/heap-transactions.js [N] [--json]
 */
import { createResponse, type SipRequest } from '../src/sip/message/index.js';
import { parseMessage } from '../src/sip/parser/index.js';
import { ManualClock, TransactionLayer } from '../src/sip/transaction/index.js';
import { exposedGc } from './gc.js';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50_000);
const json = process.argv.includes('--json');
const gc = exposedGc();

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
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function register(i: number): Buffer {
  return Buffer.from(
    [
      'REGISTER sip:example.com SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:5101;branch=z9hG4bK-reg-${i}`,
      `From: <sip:user${i}@example.com>;tag=${i}`,
      `To: <sip:user${i}@example.com>`,
      `Call-ID: ${i}-4242@127.0.0.1`,
      'CSeq: 1 REGISTER',
      `Contact: <sip:user${i}@127.0.0.1:5101>`,
      'Max-Forwards: 70',
      'Expires: 3600',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

const source = { protocol: 'udp' as const, address: '127.0.0.1', port: 5061 };
const clock = new ManualClock();
const layer = new TransactionLayer({
  send: () => {},
  clock,
  handlers: {
    onRequest: (request, tx) => tx.respond(createResponse(request, 180, 'Ringing', 'uas')),
  },
});

const registrar = new TransactionLayer({
  send: (message, _target, _outcome, onSent) => {
    message.toBuffer();
    queueMicrotask(() => onSent?.());
  },
  clock: new ManualClock(),
  handlers: {
    onRequest: (request, tx) => {
      const challenge = createResponse(request, 401, undefined, 'reg');
      challenge.append(
        'WWW-Authenticate',
        'Digest realm="example.com", nonce="AAYHAAAAAAAAAAAAAAAAAAAAAAAAAAAA", algorithm=MD5, qop="auth"',
      );
      tx.respond(challenge);
    },
  },
});
const registers = Array.from({ length: count }, (_v, i) => register(i));
const completedBefore = heap();
for (const m of registers) registrar.receive(parseMessage(m) as SipRequest, source);
await new Promise((resolve) => setImmediate(resolve)); // the sends resolve, the records take over
const completedBytes = (heap() - completedBefore) / count;
const completed = registrar.stats().completedServers;
registrar.close();

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
  completedRecordBytes: Math.round(completedBytes),
  completedRecords: completed,
  live: stats,
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(`live INVITE server transactions (request + 180 kept): ${result.serverInviteBytes} bytes each`);
  console.log(
    `live INVITE client transactions (request kept):        ${result.clientInviteBytes} bytes each`,
  );
  console.log(
    `REGISTERs answered 401 in Timer J (${completed} records):   ${result.completedRecordBytes} bytes each`,
  );
}
