import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { SWEEP_GRANULARITY_MS } from '../../../src/sip/transaction/expiry-queue.js';
import {
  type ClientTransaction,
  type ClientTransactionHandlers,
  ManualClock,
  type ServerTransaction,
  type TerminationReason,
  type TimerSettings,
  TransactionLayer,
} from '../../../src/sip/transaction/index.js';
import type { Target } from '../../../src/sip/transport/types.js';

export interface Sent {
  message: SipMessage;
  target: Target;
  at: number;
}

export interface RequestOptions {
  branch?: string | null;
  /** Top Via without the branch parameter. */
  via?: string;
  /** Extra Via lines below the top one. */
  lowerVias?: string[];
  cseq?: number;
  cseqMethod?: string;
  uri?: string;
  callId?: string;
  fromTag?: string | null;
  toTag?: string;
  extra?: string[];
}

export const uac: Target = { protocol: 'udp', address: '192.0.2.10', port: 5060 };
export const tcpUac: Target = { protocol: 'tcp', address: '192.0.2.10', port: 40000, connectionId: 'c1' };
export const next: Target = { protocol: 'udp', address: '198.51.100.7', port: 5060 };
export const tcpNext: Target = { protocol: 'tcp', address: '198.51.100.7', port: 5060, connectionId: 'c9' };

function text(lines: string[], body = ''): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1');
}

/** A request parsed from SIP text, as the transport would deliver it. */
export function request(method: string, o: RequestOptions = {}): SipRequest {
  const branch = o.branch === undefined ? 'z9hG4bK-client-1' : o.branch;
  const via = o.via ?? 'SIP/2.0/UDP 192.0.2.10:5060';
  const fromTag = o.fromTag === undefined ? 'ft1' : o.fromTag;
  const lines = [
    `${method} ${o.uri ?? 'sip:bob@example.com'} SIP/2.0`,
    `Via: ${via}${branch === null ? '' : `;branch=${branch}`}`,
    ...(o.lowerVias ?? []).map((v) => `Via: ${v}`),
    'Max-Forwards: 70',
    `From: "Alice" <sip:alice@example.com>${fromTag === null ? '' : `;tag=${fromTag}`}`,
    `To: <sip:bob@example.com>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    `Call-ID: ${o.callId ?? 'call-1@192.0.2.10'}`,
    `CSeq: ${o.cseq ?? 1} ${o.cseqMethod ?? method}`,
    'Contact: <sip:alice@192.0.2.10>',
    ...(o.extra ?? []),
    'Content-Length: 0',
  ];
  return parseMessage(text(lines)) as SipRequest;
}

/** A response parsed from SIP text, answering `req` (its Vias, From, To, Call-ID, CSeq). */
export function responseTo(req: SipRequest, status: number, toTag?: string, reason = 'Reason'): SipResponse {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of req.getAll('via')) lines.push(`Via: ${v}`);
  const to = req.get('to')!;
  lines.push(
    `From: ${req.get('from')}`,
    `To: ${toTag === undefined || to.includes(';tag=') ? to : `${to};tag=${toTag}`}`,
    `Call-ID: ${req.callId}`,
    `CSeq: ${req.get('cseq')}`,
    'Content-Length: 0',
  );
  return parseMessage(text(lines)) as SipResponse;
}

export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface HarnessOptions {
  timers?: Partial<TimerSettings>;
  sendTrying?: boolean;
  withCancel?: boolean;
}

/** A layer over a ManualClock and a recording send; every handler call is recorded. */
export function harness(options: HarnessOptions = {}) {
  const clock = new ManualClock();
  const sent: Sent[] = [];
  const state = { failSend: false };
  const requests: Array<{ request: SipRequest; tx: ServerTransaction }> = [];
  const acks: Array<{ ack: SipRequest; source: Target }> = [];
  const cancels: Array<{ cancel: SipRequest; tx: ServerTransaction; invite: ServerTransaction | undefined }> =
    [];
  const strays: SipResponse[] = [];
  const errors: unknown[] = [];
  const layer = new TransactionLayer({
    send: (message, target, outcome, onSent) => {
      sent.push({ message, target, at: clock.now() });
      const result = state.failSend ? Promise.reject(new Error('send failed')) : Promise.resolve();
      result.then(onSent, (error) => outcome.sendFailed(error));
    },
    clock,
    timers: options.timers,
    sendTrying: options.sendTrying,
    handlers: {
      onRequest: (req, tx) => requests.push({ request: req, tx }),
      onAck: (ack, source) => acks.push({ ack, source }),
      onCancel:
        options.withCancel === false
          ? undefined
          : (cancel, tx, invite) => cancels.push({ cancel, tx, invite }),
      onStrayResponse: (res) => strays.push(res),
      onError: (error) => errors.push(error),
    },
  });

  /** A client transaction whose every event is recorded. */
  function client(req: SipRequest, target: Target = next) {
    const responses: SipResponse[] = [];
    const events: Array<{ kind: 'timeout' | 'transport-error'; at: number }> = [];
    const ended: Array<{ reason: TerminationReason; at: number }> = [];
    const handlers: ClientTransactionHandlers = {
      onResponse: (res) => responses.push(res),
      onTimeout: () => events.push({ kind: 'timeout', at: clock.now() }),
      onTransportError: () => events.push({ kind: 'transport-error', at: clock.now() }),
    };
    const tx: ClientTransaction = layer.sendRequest(req, target, handlers);
    tx.onTerminated((reason) => ended.push({ reason, at: clock.now() }));
    // The request as sent: an INVITE's transaction lets it go once Accepted.
    return { tx, req, responses, events, ended };
  }

  /** Deliver a request to the layer; the server transaction and request the TU got (if any). */
  function serve(req: SipRequest, source: Target = uac) {
    const before = requests.length;
    layer.receive(req, source);
    const got = requests[before];
    const ended: Array<{ reason: TerminationReason; at: number }> = [];
    got?.tx.onTerminated((reason) => ended.push({ reason, at: clock.now() }));
    // The request as the TU got it: an INVITE's transaction lets it go once Accepted.
    return { tx: got?.tx, req: got?.request, ended };
  }

  /** Times at which messages matching the predicate were sent. */
  function sentAt(predicate: (s: Sent) => boolean): number[] {
    return sent.filter(predicate).map((s) => s.at);
  }

  /**
   * Run the clock past every timer that can still be set (64·T1 and a sweep) and say what that
   * sent and how many clock timers are left. A cancelled transaction timer leaves its queue's clock
   * timer set (lazy cancellation), to fire for nothing.
   */
  function runOut(): { sent: number; pending: number } {
    const before = sent.length;
    clock.advance(64 * (options.timers?.t1 ?? 500) + SWEEP_GRANULARITY_MS);
    return { sent: sent.length - before, pending: clock.pending };
  }

  return {
    clock,
    sent,
    state,
    requests,
    acks,
    cancels,
    strays,
    errors,
    layer,
    client,
    serve,
    sentAt,
    runOut,
  };
}

export function isRequest(method: string) {
  return (s: Sent) => s.message.isRequest && (s.message as SipRequest).method === method;
}

export function isStatus(status: number) {
  return (s: Sent) => !s.message.isRequest && (s.message as SipResponse).status === status;
}

/** The live transaction count of every kind. */
export function live(layer: TransactionLayer): number {
  const s = layer.stats();
  return s.client.invite + s.client.nonInvite + s.server.invite + s.server.nonInvite;
}
