// CPU per datagram of the SIP UDP transport, node:dgram against the native batched path: a
// UdpTransport that answers every datagram it gets (as a proxy forwards or a registrar replies),
// fed by a separate process at RATE datagrams/s of a 600-byte SIP request from PEERS source ports.
// usage: npm run build && node bench/sip-udp-echo.mjs [RATE=10000] [SECONDS=10] [PEERS=50]
// Prints, per path: datagrams sent and answered, server CPU (utime+stime) per datagram received.
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const rate = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 10);
const peers = Number(process.argv[4] ?? 50);
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};

if (process.argv[2] === 'server') {
  const { UdpTransport } = await import('../dist/sip/transport/index.js');
  let received = 0;
  const t = new UdpTransport({
    host: '127.0.0.1',
    port: 0,
    batching: process.argv[3] === 'batch',
    handlers: {
      onPacket(p) {
        received++;
        void t.send(p.data, p.source);
      },
    },
  });
  await t.listen();
  process.send({ port: t.local.port, io: t.ioKind });
  process.on('message', () => process.send({ received, failures: Object.fromEntries(t.sendFailures) }));
} else {
  const body = `OPTIONS sip:bench@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-bench\r\n${'X-Pad: 0123456789012345678901234567890123456789\r\n'.repeat(11)}Content-Length: 0\r\n\r\n`;
  const payload = Buffer.from(body);
  for (const mode of ['dgram', 'batch', 'dgram', 'batch']) {
    const child = fork(new URL(import.meta.url).pathname, ['server', mode]);
    const { port, io } = await new Promise((r) => child.once('message', r));
    const sockets = await Promise.all(
      Array.from({ length: peers }, async () => {
        const s = createSocket('udp4');
        await new Promise((r) => s.bind(0, '127.0.0.1', r));
        return s;
      }),
    );
    let answered = 0;
    for (const s of sockets) s.on('message', () => answered++);
    const c0 = ticks(child.pid);
    const t0 = Date.now();
    let sent = 0;
    // Every 10 ms, RATE/100 datagrams spread over the peers.
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const due = Math.round(((Date.now() - t0) / 1000) * rate) - sent;
        for (let i = 0; i < due; i++) sockets[(sent + i) % peers].send(payload, port, '127.0.0.1');
        sent += due;
        if (Date.now() - t0 >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    await new Promise((r) => setTimeout(r, 300));
    const cpu = (ticks(child.pid) - c0) * 10; // ms
    child.send('stats');
    const { received, failures } = await new Promise((r) => child.once('message', r));
    console.log(
      `${io.padEnd(5)} sent ${sent} received ${received} answered ${answered} server CPU ${cpu} ms = ${((cpu * 1000) / received).toFixed(2)} µs per datagram in+out; send failures ${JSON.stringify(failures)}`,
    );
    child.kill();
    for (const s of sockets) s.close();
  }
}
