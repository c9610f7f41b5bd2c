#!/usr/bin/env node
// Digest-authenticated registrations over TLS (REGISTER, 401, REGISTER with MD5 credentials, 200),
// at a fixed rate over a pool of open TLS connections, with the registrar's CPU for them: the TLS
// counterpart of bench/yardstick/sip-register-load.sh (SIPp 3.6.1 in Debian is built without TLS).
// Connections are opened (and their handshakes done) before the clock starts: phones keep theirs.
// usage: node bench/tls-register-load.mjs HOST:PORT REGISTRAR_PIDS RATE COUNT [CONNECTIONS] [USERS_TSV]
//   USERS_TSV: username<TAB>domain<TAB>password lines (make-registrar-users.sh writes /tmp/sb-kamreg/users.tsv)
// prints: rate= ok= failed= wall= achieved_rps= registrar_cpu= cpu_us_per_registration= connections=
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [target, pids, rateText, countText, connText = '50', usersFile = '/tmp/sb-kamreg/users.tsv'] =
  process.argv.slice(2);
if (!target || !pids || !rateText || !countText) {
  console.error('usage: tls-register-load.mjs HOST:PORT REGISTRAR_PIDS RATE COUNT [CONNECTIONS] [USERS_TSV]');
  process.exit(2);
}
const [host, portText] = target.split(':');
const rate = Number(rateText);
const count = Number(countText);
const users = readFileSync(usersFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('\t'));
const md5 = (s) => createHash('md5').update(s).digest('hex');
const tick = 100; // CLK_TCK on Linux
const cpu = () =>
  pids.split(',').reduce((t, p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return t + Number(f[11]) + Number(f[12]);
    } catch {
      return t;
    }
  }, 0);

/** One TLS connection: frames responses by Content-Length and hands them to their Call-ID's waiter. */
function open() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port: Number(portText), rejectUnauthorized: false }, () => {
      const waiting = new Map();
      let buffer = '';
      socket.on('data', (d) => {
        buffer += d.toString('latin1');
        for (;;) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buffer.slice(0, end);
          const length = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffer.length < end + 4 + length) return;
          buffer = buffer.slice(end + 4 + length);
          const callId = /\r\n(?:call-id|i)\s*:\s*(\S+)/i.exec(head)?.[1];
          const status = Number(/^SIP\/2\.0 (\d{3})/.exec(head)?.[1] ?? 0);
          if (status >= 200) waiting.get(callId)?.(status, head);
        }
      });
      resolve({ socket, waiting, local: `127.0.0.1:${socket.localPort}` });
    });
    socket.once('error', reject);
  });
}

function register(conn, user, domain, password) {
  const callId = `${randomBytes(8).toString('hex')}@bench`;
  const tag = randomBytes(4).toString('hex');
  const send = (cseq, auth) =>
    conn.socket.write(
      [
        `REGISTER sip:${domain} SIP/2.0`,
        `Via: SIP/2.0/TLS ${conn.local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        `From: <sip:${user}@${domain}>;tag=${tag}`,
        `To: <sip:${user}@${domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:${user}@${conn.local};transport=tls>`,
        ...(auth ? [auth] : []),
        'Max-Forwards: 70',
        'Expires: 3600',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), 10_000);
    const finish = (ok) => {
      clearTimeout(timer);
      conn.waiting.delete(callId);
      resolve(ok);
    };
    conn.waiting.set(callId, (status, head) => {
      if (status === 401) {
        const challenge = /\r\nWWW-Authenticate\s*:\s*Digest\s+([^\r\n]+)/i.exec(head)?.[1] ?? '';
        const param = (n) => new RegExp(`${n}="?([^",]+)"?`, 'i').exec(challenge)?.[1];
        const realm = param('realm');
        const nonce = param('nonce');
        const qop = /auth/.test(param('qop') ?? '') ? 'auth' : undefined;
        const uri = `sip:${domain}`;
        const ha1 = md5(`${user}:${realm}:${password}`);
        const ha2 = md5(`REGISTER:${uri}`);
        const cnonce = randomBytes(4).toString('hex');
        const response = qop
          ? md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`)
          : md5(`${ha1}:${nonce}:${ha2}`);
        const opaque = param('opaque');
        send(
          2,
          `Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5` +
            (qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : '') +
            (opaque ? `, opaque="${opaque}"` : ''),
        );
      } else finish(status === 200);
    });
    send(1);
  });
}

const connections = await Promise.all(Array.from({ length: Number(connText) }, open));
const c0 = cpu();
const t0 = process.hrtime.bigint();
let ok = 0;
let failed = 0;
const pending = [];
for (let i = 0; i < count; i++) {
  // Paced: registration i starts at i / rate seconds.
  const due = Number(t0) / 1e6 + (i * 1000) / rate;
  const wait = due - Number(process.hrtime.bigint()) / 1e6;
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const [user, domain, password] = users[i % users.length];
  pending.push(
    register(connections[i % connections.length], user, domain, password).then((r) => (r ? ok++ : failed++)),
  );
}
await Promise.all(pending);
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const used = (cpu() - c0) / tick;
console.log(
  `rate=${rate} ok=${ok} failed=${failed} wall=${wall.toFixed(1)}s achieved_rps=${(ok / wall).toFixed(0)} registrar_cpu=${used.toFixed(2)}s cpu_us_per_registration=${ok ? ((used * 1e6) / ok).toFixed(0) : 0} connections=${connections.length}`,
);
for (const c of connections) c.socket.destroy();
