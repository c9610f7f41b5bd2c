#!/usr/bin/env node
// The floor under any stream transport's memory per idle connection: a Node TCP server that does
// nothing with its connections, for `bench/idle-connections-memory.mjs tcp`.
// usage: node bench/bare-tcp-server.mjs PORT   (prints its pid)
import net from 'node:net';

const server = net.createServer((s) => s.on('error', () => {}));
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log(process.pid));
