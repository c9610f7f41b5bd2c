// CPU per completed-transaction record (RFC 3261 §17.2.2, Timer J): add and expiry of 401 records at
// 2,000 a second of simulated time, 64,000 alive, in one process; compare two builds' dist/.
// usage: node bench/completed-records.mjs DIR   (a checkout with `npm run build` done; default .)
import { resolve } from 'node:path';

const dir = process.argv[2] ?? '.';
const { CompletedServers } = await import(`${resolve(dir)}/dist/sip/transaction/completed-servers.js`);
const { parseMessage } = await import(`${resolve(dir)}/dist/sip/parser/index.js`);
const { createResponse } = await import(`${resolve(dir)}/dist/sip/message/index.js`);
let now = 0;
const timers = [];
const clock = {
  now: () => now,
  setTimeout: (fn, ms) => {
    const t = { fn, at: now + ms };
    timers.push(t);
    return t;
  },
  clearTimeout: () => {},
};
const cs = new CompletedServers(clock, () => 32000);
const reg = (i) =>
  Buffer.from(
    `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5101;branch=z9hG4bK-${i}\r\nFrom: <sip:user${i}@example.com>;tag=${i}\r\nTo: <sip:user${i}@example.com>\r\nCall-ID: ${i}-call@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:user${i}@127.0.0.1:5101>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
const target = { protocol: 'udp', address: '127.0.0.1', port: 5101 };
const N = 400000;
const responses = [];
for (let i = 0; i < 2000; i++) {
  const r = createResponse(parseMessage(reg(i)), 401, 'Unauthorized', 'tag');
  r.set(
    'WWW-Authenticate',
    `Digest realm="example.com", nonce="${'n'.repeat(40)}${i}", algorithm=MD5, qop="auth"`,
  );
  r.toBuffer();
  responses.push(r);
}
const run = (n, offset) => {
  for (let i = 0; i < n; i++) {
    now += 0.5; // 2,000 records/s
    const r = responses[i % 2000];
    r.toBuffer(); // already serialized (sent)
    cs.add(`z9hG4bK-${offset + i}:127.0.0.1:5101:REGISTER`, r, target);
    if (timers.length && timers[0].at <= now) {
      const t = timers.shift();
      t.fn();
    }
  }
};
run(N, 0); // warm-up, fill to steady state
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
run(N, N);
const c = process.cpuUsage(c0);
const wall = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(
  dir,
  'records',
  cs.size,
  'cpu ns per record',
  Math.round(((c.user + c.system) * 1000) / N),
  'wall ms',
  Math.round(wall),
);
