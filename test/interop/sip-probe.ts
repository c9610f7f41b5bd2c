import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

/**
 * An OPTIONS with Max-Forwards: 0: a proxy must answer it itself (483 Too Many Hops) instead of
 * forwarding, so any response proves the proxy is up without needing its next hop.
 */
function probeRequest(port: number, localPort: number): string {
  const id = randomBytes(6).toString('hex');
  return [
    `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK-${id};rport`,
    'Max-Forwards: 0',
    `From: <sip:probe@127.0.0.1>;tag=${id}`,
    `To: <sip:probe@127.0.0.1:${port}>`,
    `Call-ID: probe-${id}@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Resolves with the status line once 127.0.0.1:port answers a SIP probe over UDP; rejects after timeoutMs. */
export function waitForSipAnswer(port: number, timeoutMs: number, alive: () => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const finish = (error: Error | undefined, status = ''): void => {
      clearInterval(interval);
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(status);
    };
    socket.on('message', (msg) => {
      const status = msg.toString('utf8').split('\r\n', 1)[0] ?? '';
      if (status.startsWith('SIP/2.0 ')) finish(undefined, status);
    });
    socket.on('error', (error) => finish(error));
    const send = (): void => {
      if (!alive()) {
        finish(new Error(`process exited before answering on port ${port}`));
        return;
      }
      socket.send(probeRequest(port, socket.address().port), port, '127.0.0.1');
    };
    const interval = setInterval(send, 200);
    const timer = setTimeout(
      () => finish(new Error(`no SIP answer on 127.0.0.1:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.bind(0, '127.0.0.1', send);
  });
}
