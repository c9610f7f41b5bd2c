// The floor under any Node.js RTP receiver on this machine: CPU per datagram for a process that
// only receives (no-op 'message' handler) on many UDP sockets at a recorder's packet rate.
// usage: node bench/udp-receive-floor.mjs [SOCKETS=600] [SECONDS=10]   (50 packets/s per socket,
// 172-byte datagrams from a separate sender process; loopback; ports 50000 + 2i)
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const sockets = Number(process.argv[2] ?? 600);
const seconds = Number(process.argv[3] ?? 10);
/** utime + stime of a process, in clock ticks (100 per second). */
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};

if (process.argv[2] === 'receiver') {
  const n = Number(process.argv[3]);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    s.on('message', () => count++);
    await new Promise((r) => s.bind(50000 + i * 2, '127.0.0.1', r));
  }
  process.send('ready');
  process.on('message', () => process.send(count));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['receiver', String(sockets)]);
  await new Promise((r) => child.once('message', r));
  const sender = createSocket('udp4');
  const payload = Buffer.alloc(172);
  const c0 = ticks(child.pid);
  const t0 = Date.now();
  let sent = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      for (let i = 0; i < sockets; i++) sender.send(payload, 50000 + i * 2, '127.0.0.1');
      sent += sockets;
      if (Date.now() - t0 >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  await new Promise((r) => setTimeout(r, 500));
  const c1 = ticks(child.pid);
  child.send('count');
  const received = await new Promise((r) => child.once('message', r));
  const cpuSeconds = (c1 - c0) / 100;
  console.log(
    `sockets=${sockets} sent=${sent} received=${received} receiver_cpu=${cpuSeconds.toFixed(2)}s ` +
      `cpu_us_per_datagram=${((cpuSeconds * 1e6) / Math.max(1, received)).toFixed(2)}`,
  );
  child.kill();
  sender.close();
}
