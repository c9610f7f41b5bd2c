// The floor under any Node.js RTP receiver on this machine: CPU per datagram for a process that
// only receives (no-op 'message' handler) on many UDP sockets at a recorder's packet rate.
// usage: node bench/udp-receive-floor.mjs [SOCKETS=600] [SECONDS=10] [dgram|batch]   (50 packets/s per
// socket, 172-byte datagrams from a separate sender process; loopback; ports 20000 + 2i, below the ephemeral range). `dgram` counts
// node:dgram 'message' events; `batch` counts the datagrams of the native batch receiver's batches
// (build/Release/batch_receiver.node, built by npm install), pausing COALESCE_MS (default 5) after each.
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const sockets = Number(process.argv[2] ?? 600);
const seconds = Number(process.argv[3] ?? 10);
const mode = process.argv[4] ?? 'dgram';
/** utime + stime of a process, in clock ticks (100 per second). */
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};

if (process.argv[2] === 'receiver') {
  const n = Number(process.argv[3]);
  let count = 0;
  let batches = 0;
  if (process.argv[4] === 'batch') {
    const native = createRequire(import.meta.url)('../build/Release/batch_receiver.node');
    const [handle] = native.createReceiver(
      (_data, batch) => {
        count += batch;
        batches++;
      },
      Number(process.env.COALESCE_MS ?? 5),
    );
    native.keepAlive(handle, true);
    for (let i = 0; i < n; i++) {
      const fd = native.bind('127.0.0.1', 20000 + i * 2, 0);
      if (fd < 0 || native.add(handle, fd, i) < 0) throw new Error(`cannot bind port ${20000 + i * 2}`);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const s = createSocket('udp4');
      s.on('message', () => count++);
      await new Promise((r) => s.bind(20000 + i * 2, '127.0.0.1', r));
    }
  }
  process.send('ready');
  process.on('message', () => process.send({ count, batches }));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['receiver', String(sockets), mode]);
  await new Promise((r) => child.once('message', r));
  const sender = createSocket('udp4');
  const payload = Buffer.alloc(172);
  const c0 = ticks(child.pid);
  const t0 = Date.now();
  let sent = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      for (let i = 0; i < sockets; i++) sender.send(payload, 20000 + i * 2, '127.0.0.1');
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
  const { count: received, batches } = await new Promise((r) => child.once('message', r));
  const cpuSeconds = (c1 - c0) / 100;
  console.log(
    `mode=${mode} sockets=${sockets} sent=${sent} received=${received} receiver_cpu=${cpuSeconds.toFixed(2)}s ` +
      `cpu_us_per_datagram=${((cpuSeconds * 1e6) / Math.max(1, received)).toFixed(2)}` +
      (mode === 'batch'
        ? ` batches=${batches} datagrams_per_batch=${(received / Math.max(1, batches)).toFixed(1)}`
        : ''),
  );
  child.kill();
  sender.close();
}
