#!/usr/bin/env node
// Experiment (issue 11): what one server-side OpenSSL session holds, counted by malloc (mallinfo2)
// in-process: after SSL_new, and after a handshake and one SIP-sized message each way (the client
// sessions, made by the same module, are freed before counting).
// usage: node bench/tls-memory/ssl-object-memory.mjs CERT KEY [N]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import tls from 'node:tls';

const native = createRequire(import.meta.url)('../../build/Release/tls_session.node');
const [cert, key, nText = '2000'] = process.argv.slice(2);
const n = Number(nText);
const ciphers = tls.DEFAULT_CIPHERS.split(':');
const context = () =>
  native.createContext(
    readFileSync(cert, 'utf8'),
    readFileSync(key, 'utf8'),
    null,
    null,
    0,
    ciphers.filter((c) => !c.startsWith('TLS_')).join(':'),
    ciphers.filter((c) => c.startsWith('TLS_')).join(':'),
  );

function afterNew(ctx) {
  const held = [];
  const before = native.mallocInUse();
  for (let i = 0; i < n; i++) held.push(native.createSession(ctx));
  const per = (native.mallocInUse() - before) / n;
  for (const s of held) native.free(s);
  return Math.round(per);
}

function afterHandshake(ctx) {
  const pairs = [];
  const before = native.mallocInUse();
  for (let i = 0; i < n; i++) {
    const server = native.createSession(ctx);
    const client = native.createClientSession();
    let [, , flight] = native.receive(client, Buffer.alloc(0));
    let serverState;
    let clientState;
    while (flight) {
      [serverState, , flight] = native.receive(server, flight);
      if (!flight) break;
      [clientState, , flight] = native.receive(client, flight);
    }
    if (serverState !== 1 || clientState !== 1) throw new Error('handshake did not finish');
    native.receive(server, native.send(client, Buffer.alloc(700, 65)));
    native.receive(client, native.send(server, Buffer.alloc(400, 66)));
    pairs.push([server, client]);
  }
  for (const [, client] of pairs) native.free(client);
  const per = (native.mallocInUse() - before) / n;
  const version = native.protocol(pairs[0][0]);
  for (const [server] of pairs) native.free(server);
  return `${Math.round(per)} B (${version})`;
}

console.log(`SSL_new: ${afterNew(context())} B per session`);
console.log(`after the handshake, 2 tickets: ${afterHandshake(context())}`);
let ctx = context();
native.limit(ctx, 0, 0);
console.log(`after the handshake, no tickets: ${afterHandshake(ctx)}`);
ctx = context();
native.limit(ctx, 0x0303, -1);
console.log(`after the handshake, TLS 1.2: ${afterHandshake(ctx)}`);
