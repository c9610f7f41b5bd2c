// A burst for bench/burst-pinning.sh: TOTAL datagrams to 127.0.0.1:5060, one INVITE in every RATIO
// (to sip:b@127.0.0.1:5080, where a socket swallows them: they stay in their transactions until
// Timer B, 32 s) and ~1 KB stray 200s between them (dropped: they match no transaction). With a
// PID, that process is stopped while the burst is sent and continued after, so the datagrams wait
// in its receive queue and reach it in large batches, as they do when a node is busy.
// usage: node bench/burst-sender.mjs TOTAL RATIO [PID]   prints {"sent","invites","forwarded"}
import dgram from 'node:dgram';

const total = Number(process.argv[2] ?? 3000);
const ratio = Number(process.argv[3] ?? 50);
const pid = Number(process.argv[4] ?? 0);
const bind = (socket, port) => new Promise((resolve) => socket.bind(port, '127.0.0.1', resolve));

const nextHop = dgram.createSocket('udp4');
await bind(nextHop, 5080);
let forwarded = 0;
nextHop.on('message', () => forwarded++);
const sender = dgram.createSocket('udp4');
sender.on('error', () => {});
await bind(sender, 0);
const port = sender.address().port;
const pad = 'x'.repeat(900);
const invite = (i) =>
  `INVITE sip:b@127.0.0.1:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKburst${i}\r\n` +
  `Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=${i}\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: burst-${i}\r\n` +
  `CSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:${port}>\r\nContent-Length: 0\r\n\r\n`;
const stray = (i) =>
  `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKstray${i}\r\nFrom: <sip:a@127.0.0.1>;tag=${i}\r\n` +
  `To: <sip:b@127.0.0.1>;tag=z\r\nCall-ID: stray-${i}\r\nCSeq: 1 OPTIONS\r\nX-Pad: ${pad}\r\nContent-Length: 0\r\n\r\n`;

if (pid) process.kill(pid, 'SIGSTOP');
let sent = 0;
for (let i = 0; i < total; i++) {
  await new Promise((resolve) =>
    sender.send(i % ratio === 0 ? invite(i) : stray(i), 5060, '127.0.0.1', resolve),
  );
  sent++;
}
if (pid) process.kill(pid, 'SIGCONT');
await new Promise((resolve) => setTimeout(resolve, 3000));
console.log(JSON.stringify({ sent, invites: Math.ceil(total / ratio), forwarded }));
sender.close();
nextHop.close();
