import { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';

/** Join header lines with CRLF, add the empty line and the body; latin1 so any octet is kept. */
export function wire(lines: string[], body: string | Buffer = ''): Buffer {
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

export function parseRequest(data: Buffer): SipRequest {
  const m = parseMessage(data);
  if (!(m instanceof SipRequest)) throw new Error('expected a request');
  return m;
}

export function parseResponse(data: Buffer): SipResponse {
  const m = parseMessage(data);
  if (!(m instanceof SipResponse)) throw new Error('expected a response');
  return m;
}

/** A request with the mandatory headers; `extra` lines go after them. */
export function request(extra: string[] = [], method = 'INVITE', body = ''): Buffer {
  return wire(
    [
      `${method} sip:bob@biloxi.example.com SIP/2.0`,
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
      'Max-Forwards: 70',
      'To: Bob <sip:bob@biloxi.example.com>',
      'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
      `CSeq: 314159 ${method}`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    ],
    body,
  );
}
