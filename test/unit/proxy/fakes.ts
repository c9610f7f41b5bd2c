import { isIP } from 'node:net';
import type { SipRequest, SipResponse, Uri } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import type { ProxyStack } from '../../../src/sip/proxy/index.js';
import type {
  ClientTransaction,
  ClientTransactionHandlers,
  ServerTransaction,
  TerminationReason,
} from '../../../src/sip/transaction/index.js';
import type { Target } from '../../../src/sip/transport/index.js';

export function request(text: string): SipRequest {
  return parseMessage(Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1')) as SipRequest;
}

export const invite = (extra = '') =>
  request(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: call-1@192.0.2.1
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.1:5060>
${extra}Content-Length: 0

`);

export interface SentRequest {
  request: SipRequest;
  target: Target;
  handlers: ClientTransactionHandlers;
  transaction: ClientTransaction;
  /** The proxy gave the transaction up (abandon()). */
  abandoned: boolean;
}

/** A ProxyStack that records what the proxy sends and lets the test answer it. */
export class FakeStack implements ProxyStack {
  sent: SentRequest[] = [];
  stateless: Array<{ message: SipRequest | SipResponse; target: Target }> = [];

  sendRequest(request: SipRequest, target: Target, handlers: ClientTransactionHandlers): ClientTransaction {
    const transaction: ClientTransaction = {
      id: request.topVia?.branch ?? '',
      request,
      isInvite: request.method === 'INVITE',
      target,
      state: 'calling',
      lastStatus: 0,
      onTerminated: () => {},
      abandon: () => {
        sent.abandoned = true;
      },
    };
    const sent: SentRequest = { request, target, handlers, transaction, abandoned: false };
    this.sent.push(sent);
    return transaction;
  }

  async sendStateless(message: SipRequest | SipResponse, target: Target): Promise<void> {
    this.stateless.push({ message, target });
  }

  /** Always a promise here, as for a name (DNS); a subclass may answer at once as for a literal. */
  resolve(uri: Uri): Target | Promise<Target> {
    return this.lookUp(uri);
  }

  private async lookUp(uri: Uri): Promise<Target> {
    if (uri.kind !== 'sip') throw new Error('not sip');
    return {
      protocol: 'udp',
      address: uri.hostname === 'example.com' ? '192.0.2.99' : uri.hostname,
      port: uri.port ?? 5060,
    };
  }

  sentBy() {
    return { transport: 'UDP', host: '192.0.2.10', port: 5060 };
  }

  isLocalUri(uri: Uri): boolean {
    return uri.kind === 'sip' && uri.hostname === '192.0.2.10' && (uri.port ?? 5060) === 5060;
  }

  /** Answer the n-th sent request with a response built from it. */
  answer(n: number, status: number, toTag?: string, extra: Array<[string, string]> = []): SipResponse {
    const sent = this.sent[n]!;
    const text = [
      `SIP/2.0 ${status} X`,
      ...sent.request.getAll('via').map((v) => `Via: ${v}`),
      `From: ${sent.request.get('from')}`,
      `To: ${sent.request.get('to')}${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${sent.request.callId}`,
      `CSeq: ${sent.request.get('cseq')}`,
      ...extra.map(([k, v]) => `${k}: ${v}`),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const response = parseMessage(Buffer.from(text, 'latin1')) as SipResponse;
    sent.handlers.onResponse(response, sent.transaction);
    return response;
  }
}

/** A stack that resolves as SipStack does: IP literals at once, names after a lookup. */
export class LiteralStack extends FakeStack {
  override resolve(uri: Uri): Target | Promise<Target> {
    if (uri.kind !== 'sip') throw new Error('not sip');
    if (isIP(uri.hostname)) return { protocol: 'udp', address: uri.hostname, port: uri.port ?? 5060 };
    return super.resolve(uri);
  }
}

export class FakeServerTransaction implements ServerTransaction {
  responses: SipResponse[] = [];
  state: ServerTransaction['state'] = 'proceeding';
  private listeners: Array<(r: TerminationReason, transaction: ServerTransaction) => void> = [];
  constructor(
    readonly request: SipRequest,
    readonly source: Target = { protocol: 'udp', address: '192.0.2.1', port: 5060 },
  ) {}
  get id() {
    return this.request.topVia?.branch ?? '';
  }
  get isInvite() {
    return this.request.method === 'INVITE';
  }
  get lastResponse() {
    return this.responses[this.responses.length - 1];
  }
  respond(response: SipResponse): boolean {
    this.responses.push(response);
    return true;
  }
  onTerminated(listener: (r: TerminationReason, transaction: ServerTransaction) => void): void {
    this.listeners.push(listener);
  }
  terminate(): void {
    for (const l of this.listeners) l('normal', this);
  }
}

export const flush = () => new Promise((r) => setImmediate(r));
