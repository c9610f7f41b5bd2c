#!/usr/bin/env node
// The floor under Switchboard's memory per idle TLS connection: a Node TLS server that does
// nothing with its connections (no SIP, no timers), for bench/idle-connections-memory.mjs.
// usage: node bench/bare-tls-server.mjs CERT KEY PORT   (prints its pid)
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [cert, key, port] = process.argv.slice(2);
const server = tls.createServer(
  { cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' },
  (s) => s.on('error', () => {}),
);
server.listen(Number(port), '127.0.0.1', () => console.log(process.pid));
