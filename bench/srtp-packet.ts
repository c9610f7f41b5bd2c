/**
 * CPU per packet of SDES-SRTP in the built-in relay (issue 10): SrtpSession.protectRtp and
 * unprotectRtp on a 172-byte G.711 packet (20 ms of PCMU), for both suites. One relayed packet on
 * an SRTP↔RTP call costs one of them on top of the plain relay path (see media-relay-vs-rtpengine.sh
 * for that). In process, one thread.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node .bench-build/bench/srtp-packet.js [--seconds=S] [--json]
 */
import { newCrypto, SrtpSession, type SrtpSuite } from '../src/media/srtp/index.js';

const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 2);
const json = process.argv.includes('--json');

function rtp(seq: number): Buffer {
  const packet = Buffer.alloc(172, 0xff);
  packet[0] = 0x80;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(seq * 160, 4);
  packet.writeUInt32BE(0x1234, 8);
  return packet;
}

function measure(run: (i: number) => void): number {
  for (let i = 0; i < 10_000; i++) run(i);
  const start = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < until) {
    for (let k = 0; k < 1000; k++) run(n++);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const results: Record<string, number> = {};
for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as SrtpSuite[]) {
  const keys = newCrypto(1, suite);
  const sender = new SrtpSession(suite, keys.key, keys.salt);
  results[`${suite} protectRtp µs`] = measure((i) => sender.protectRtp(rtp(i)));
  // A fresh sender: ROC 0 as a fresh receiver assumes (RFC 3711 §3.3.1).
  const fresh = new SrtpSession(suite, keys.key, keys.salt);
  const sealed = Array.from({ length: 65536 }, (_, i) => fresh.protectRtp(rtp(i))!);
  let receiver = new SrtpSession(suite, keys.key, keys.salt);
  results[`${suite} unprotectRtp µs`] = measure((i) => {
    // A fresh receiver each 65536 packets: the replay list would refuse the same indices again.
    if (i % 65536 === 0) receiver = new SrtpSession(suite, keys.key, keys.salt);
    if (receiver.unprotectRtp(sealed[i % 65536]!) === undefined) throw new Error(`packet ${i} refused`);
  });
}
if (json) console.log(JSON.stringify(results));
else for (const [name, us] of Object.entries(results)) console.log(`${name.padEnd(42)} ${us.toFixed(2)}`);
