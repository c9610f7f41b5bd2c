#!/usr/bin/env node
// Experiment (issue 11): a TLS server whose sessions run in native/tls-session.c (OpenSSL over
// memory BIOs, SSL_MODE_RELEASE_BUFFERS) under plain net.Sockets; handshakes only, nothing after.
// FREE_AFTER_HANDSHAKE=1 frees each SSL object once its handshake is done (the connection can
// carry nothing after that): the floor an own record layer after the handshake would stand on.
// WRAP_IN_DUPLEX=1 also gives each connection the Duplex a transport would read and write.
// usage: node bench/tls-memory/native-tls-server.mjs CERT KEY PORT   (prints its pid)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

const native = createRequire(import.meta.url)('../../build/Release/tls_session.node');
const [cert, key, port] = process.argv.slice(2);
const ciphers = tls.DEFAULT_CIPHERS.split(':');
const context = native.createContext(
  readFileSync(cert, 'utf8'),
  readFileSync(key, 'utf8'),
  null,
  null,
  0,
  ciphers.filter((c) => !c.startsWith('TLS_')).join(':'),
  ciphers.filter((c) => c.startsWith('TLS_')).join(':'),
);
const freeAfterHandshake = process.env.FREE_AFTER_HANDSHAKE === '1';
const wrapInDuplex = process.env.WRAP_IN_DUPLEX === '1';
const wrapped = new Set();
const server = net.createServer((socket) => {
  const session = native.createSession(context);
  let freed = false;
  const free = () => {
    if (!freed) native.free(session);
    freed = true;
  };
  socket.on('error', () => {});
  socket.on('close', free);
  socket.on('data', (chunk) => {
    if (freed) return;
    const [state, , out] = native.receive(session, chunk);
    if (out) socket.write(out);
    if (state < 0 || state === 2) {
      socket.destroy();
      free();
    } else if (state === 1 && wrapInDuplex && !wrapped.has(socket)) {
      const duplex = new Duplex({
        read() {},
        write(_data, _encoding, done) {
          done();
        },
      });
      wrapped.add(socket);
      socket.once('close', () => {
        wrapped.delete(socket);
        duplex.destroy();
      });
    }
    if (state === 1 && freeAfterHandshake) free();
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(process.pid));
