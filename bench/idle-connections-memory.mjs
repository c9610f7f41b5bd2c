#!/usr/bin/env node
// Memory per idle connection: the server's whole-process PSS (/proc/PID/smaps_rollup) before and
// after N TLS, WSS or plain TCP connections are opened and left idle, the growth divided by N.
// usage: node bench/idle-connections-memory.mjs tls|wss|tcp HOST:PORT N SERVER_PIDS [SETTLE_S]
//   (raise ulimit -n above N first: this process holds N sockets, the server N more)
// prints: kind= connections= open= pss_before_kb= pss_after_kb= per_connection_bytes= open_s=
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';

const [kind, target, nText, pids, settleText = '5'] = process.argv.slice(2);
if (!['tls', 'wss', 'tcp'].includes(kind) || !target || !nText || !pids) {
  console.error('usage: idle-connections-memory.mjs tls|wss|tcp HOST:PORT N SERVER_PIDS [SETTLE_S]');
  process.exit(2);
}
const [host, port] = target.split(':');
const n = Number(nText);
const pss = () =>
  pids.split(',').reduce((t, p) => {
    try {
      return t + Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      return t;
    }
  }, 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function openOne() {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      // The floor under TLS: what the server's socket costs before any TLS state.
      const s = net.connect({ host, port: Number(port) }, () => resolve(s));
      s.on('error', () => resolve(undefined));
      s.on('close', () => held.delete(s));
    } else if (kind === 'tls') {
      const s = tls.connect({ host, port: Number(port), rejectUnauthorized: false }, () => resolve(s));
      s.on('error', () => resolve(undefined));
      s.on('close', () => held.delete(s));
    } else {
      const ws = new WebSocket(`wss://${target}`, 'sip', {
        rejectUnauthorized: false,
        perMessageDeflate: false,
      });
      ws.on('open', () => resolve(ws));
      ws.on('error', () => resolve(undefined));
      ws.on('close', () => held.delete(ws));
    }
  });
}

const held = new Set();
await sleep(1000);
const before = pss();
const t0 = Date.now();
// 100 handshakes in flight at a time: a steady ramp, not a SYN flood.
for (let i = 0; i < n; i += 100) {
  const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, openOne));
  for (const c of batch) if (c) held.add(c);
}
const openS = (Date.now() - t0) / 1000;
await sleep(Number(settleText) * 1000);
const after = pss();
const open = held.size;
console.log(
  `kind=${kind} connections=${n} open=${open} pss_before_kb=${before} pss_after_kb=${after} per_connection_bytes=${open ? Math.round(((after - before) * 1024) / open) : 0} open_s=${openS.toFixed(1)}`,
);
for (const c of held) (c.destroy ?? c.terminate).call(c);
process.exit(0);
