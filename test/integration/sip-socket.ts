import { createSocket, type Socket } from 'node:dgram';
import { type SipMessage, type SipRequest, SipResponse } from '../../src/sip/message/index.js';
import { parseMessage } from '../../src/sip/parser/index.js';

/** A bare UDP endpoint for driving a node by hand: send texts, await parsed messages. */
export class SipSocket {
  readonly received: SipMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (data) => {
      try {
        this.received.push(parseMessage(data));
      } catch {
        // Tests only look at what parses.
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(): Promise<SipSocket> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new SipSocket(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string | SipMessage, port: number): void {
    const data =
      typeof text === 'string' ? Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1') : text.toBuffer();
    this.socket.send(data, port, '127.0.0.1');
  }

  /** The next message matching `match` not yet taken, waiting up to `ms`. */
  async take<T extends SipMessage = SipMessage>(match: (m: SipMessage) => boolean, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.received.findIndex(match);
      if (i >= 0) return this.received.splice(i, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching message within ${ms} ms; have: ${this.received.map(describe).join(' | ')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  request(method: string, ms?: number): Promise<SipRequest> {
    return this.take<SipRequest>((m) => m.isRequest && (m as SipRequest).method === method, ms);
  }

  response(status: number, method?: string, ms?: number): Promise<SipResponse> {
    return this.take<SipResponse>(
      (m) => m instanceof SipResponse && m.status === status && (!method || m.cseq.method === method),
      ms,
    );
  }

  close(): void {
    this.socket.close();
  }
}

function describe(m: SipMessage): string {
  return m instanceof SipResponse ? `${m.status} ${m.cseq.method}` : (m as SipRequest).method;
}

/** A response to `request` with the given status, as a UAS writes it. */
export function answer(
  request: SipRequest,
  status: number,
  reason: string,
  extra: string[] = [],
  toTag?: string,
): string {
  const to = request.get('to')! + (toTag && !/;tag=/.test(request.get('to')!) ? `;tag=${toTag}` : '');
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...request.getAll('via').map((v) => `Via: ${v}`),
    ...request.getAll('record-route').map((r) => `Record-Route: ${r}`),
    `From: ${request.get('from')}`,
    `To: ${to}`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${request.get('cseq')}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
