import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Interop tests take ports from here; other suites and the benches use 5060/5080/6000/8888.
const RANGE_START = 15000;
const RANGE_END = 16000;

// Start at a per-process offset so two test processes on one machine rarely collide.
let cursor = RANGE_START + ((process.pid * 37) % (RANGE_END - RANGE_START));

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when nothing holds `port` on UDP or TCP, on any local address. */
export async function portFree(port: number): Promise<boolean> {
  return (await udpFree(port)) && (await tcpFree(port));
}

/**
 * The first port of `size` consecutive free ports (UDP and TCP) in 15000-16000.
 * Blocks never overlap within one process; a free check guards against other processes.
 */
export async function allocatePorts(size = 1): Promise<number> {
  const span = RANGE_END - RANGE_START;
  for (let tries = 0; tries < span; tries += size) {
    if (cursor + size > RANGE_END) cursor = RANGE_START;
    const base = cursor;
    cursor += size;
    let free = true;
    for (let p = base; p < base + size && free; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error(`no ${size} consecutive free ports in ${RANGE_START}-${RANGE_END}`);
}

const LISTEN = '0A';

/** Ports bound on loopback/any address per /proc (read-only: no race with the process binding it). */
function boundPorts(protocol?: 'udp' | 'tcp'): Set<number> {
  const ports = new Set<number>();
  for (const table of ['udp', 'udp6', 'tcp', 'tcp6']) {
    if (protocol !== undefined && !table.startsWith(protocol)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local === undefined) continue;
      if (table.startsWith('tcp') && cols[3] !== LISTEN) continue;
      ports.add(Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  return ports;
}

/** Resolves once something has bound `port` (UDP, or TCP listening), or rejects after timeoutMs. */
export async function waitForBound(
  port: number,
  timeoutMs: number,
  alive: () => boolean,
  protocol?: 'udp' | 'tcp',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`process exited before binding port ${port}`);
    if (boundPorts(protocol).has(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} not bound after ${timeoutMs} ms`);
}
