import { describe, expect, it } from 'vitest';
import {
  createResponse,
  MAGIC_COOKIE,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/message/index.js';
import { UserAgentCore } from '../../../src/sip/ua/index.js';
import { FakeServerTransaction, FakeTransport, flush, request } from './fakes.js';

function setup() {
  const transport = new FakeTransport();
  const errors: unknown[] = [];
  const ua = new UserAgentCore({ transport, supported: ['timer'], onError: (e) => errors.push(e) });
  return { ua, transport, errors };
}

function incoming(
  method: string,
  extra = '',
  options: { toTag?: string; body?: string; contentType?: string } = {},
): FakeServerTransaction {
  const body = options.body ?? '';
  const type = options.body ? `Content-Type: ${options.contentType ?? 'application/sdp'}\n` : '';
  const req = request(`
${method} sip:bob@203.0.113.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${method}-1
Max-Forwards: 70
To: <sip:bob@example.com>${options.toTag ? `;tag=${options.toTag}` : ''}
From: <sip:alice@example.com>;tag=a1
Call-ID: core-${method}
CSeq: 7 ${method}
Contact: <sip:alice@192.0.2.10>
${extra}${type}Content-Length: ${body.length}

${body}`);
  return new FakeServerTransaction(req);
}

function only(tx: FakeServerTransaction): SipResponse {
  expect(tx.responses).toHaveLength(1);
  return tx.responses[0]!;
}

describe('UserAgentCore request dispatch (RFC 3261 §8.2)', () => {
  it('answers an unknown method 405 with Allow', () => {
    const { ua } = setup();
    const tx = incoming('PUBLISH');
    ua.handleRequest(tx.request, tx);
    const res = only(tx);
    expect(res.status).toBe(405);
    expect(res.getAll('allow')).toEqual([
      'ACK',
      'BYE',
      'CANCEL',
      'INFO',
      'INVITE',
      'OPTIONS',
      'PRACK',
      'UPDATE',
    ]);
  });

  it('dispatches out-of-dialog requests to the handler for their method, and lists it in Allow', () => {
    const { ua } = setup();
    const seen: string[] = [];
    ua.handle('MESSAGE', (req, tx) => {
      seen.push(req.method);
      tx.respond(createOk(req));
    });
    const tx = incoming('MESSAGE', '', { body: 'hi', contentType: 'text/plain' });
    ua.handleRequest(tx.request, tx);
    expect(seen).toEqual(['MESSAGE']);
    expect(ua.allow()).toContain('MESSAGE');
  });

  it('answers 420 with Unsupported for unknown Require option tags', () => {
    const { ua } = setup();
    const tx = incoming('OPTIONS', 'Require: timer, foo, 100rel\n');
    ua.handleRequest(tx.request, tx);
    const res = only(tx);
    expect(res.status).toBe(420);
    expect(res.getAll('unsupported')).toEqual(['foo', '100rel']);
  });

  it('takes the option tags a role understands, lists them in OPTIONS, and leaves its INVITEs alone', async () => {
    const { ua, transport } = setup();
    ua.understand('100rel');
    const tx = incoming('OPTIONS', 'Require: timer, 100rel\n');
    ua.handleRequest(tx.request, tx);
    expect(only(tx).status).toBe(200);
    expect(only(tx).getAll('supported')).toEqual(['timer', '100rel']);
    ua.invite({ to: 'sip:bob@example.com', from: 'sip:alice@example.com' });
    await flush();
    expect(transport.sent('INVITE')[0]!.request.getAll('supported')).toEqual(['timer']);
  });

  it('answers 415 with Accept for an INVITE body other than SDP or multipart/mixed', () => {
    const { ua } = setup();
    ua.onInvite(() => {
      throw new Error('must not be reached');
    });
    const tx = incoming('INVITE', '', { body: '<xml/>', contentType: 'application/xml' });
    ua.handleRequest(tx.request, tx);
    const res = only(tx);
    expect(res.status).toBe(415);
    expect(res.get('accept')).toBe('application/sdp, multipart/mixed');
  });

  it('answers 406 to an INVITE whose Accept excludes application/sdp', () => {
    const { ua } = setup();
    const tx = incoming('INVITE', 'Accept: text/html\n');
    ua.handleRequest(tx.request, tx);
    expect(only(tx).status).toBe(406);
    const ok = incoming('INVITE', 'Accept: application/*\n');
    let offered = 0;
    ua.onInvite(() => offered++);
    ua.handleRequest(ok.request, ok);
    expect(offered).toBe(1);
  });

  it('answers OPTIONS 200 with Allow, Accept and Supported by default', () => {
    const { ua } = setup();
    const tx = incoming('OPTIONS');
    ua.handleRequest(tx.request, tx);
    const res = only(tx);
    expect(res.status).toBe(200);
    expect(res.get('allow')).toBe('ACK, BYE, CANCEL, INFO, INVITE, OPTIONS, PRACK, UPDATE');
    expect(res.get('accept')).toBe('application/sdp');
    expect(res.get('supported')).toBe('timer');
    expect(res.to.tag).toBeDefined();
  });

  it('answers 481 to a request whose To tag names no dialog, and drops such an ACK', () => {
    const { ua } = setup();
    const bye = incoming('BYE', '', { toTag: 'nope' });
    ua.handleRequest(bye.request, bye);
    expect(only(bye).status).toBe(481);
    const ack = incoming('ACK', '', { toTag: 'nope' });
    ua.handleRequest(ack.request, ack);
    expect(ack.responses).toHaveLength(0);
  });

  it('answers 481 to a BYE outside any dialog, and to a CANCEL matching no INVITE', () => {
    const { ua } = setup();
    const bye = incoming('BYE');
    ua.handleRequest(bye.request, bye);
    expect(only(bye).status).toBe(481);
    const cancel = incoming('CANCEL');
    ua.handleRequest(cancel.request, cancel);
    expect(only(cancel).status).toBe(481);
    // RFC 3262 §3: a PRACK outside any early dialog acknowledges nothing.
    const prack = incoming('PRACK', 'RAck: 1 1 INVITE\n');
    ua.handleRequest(prack.request, prack);
    expect(only(prack).status).toBe(481);
  });

  it('answers 405 to an INVITE when nobody takes calls, without INVITE in Allow', () => {
    const { ua } = setup();
    const tx = incoming('INVITE');
    ua.handleRequest(tx.request, tx);
    const res = only(tx);
    expect(res.status).toBe(405);
    expect(res.getAll('allow')).not.toContain('INVITE');
  });

  it('turns a malformed header and a throwing handler into 400 / 500 instead of throwing', () => {
    const { ua, errors } = setup();
    ua.handle('MESSAGE', () => {
      throw new Error('boom');
    });
    const bad = incoming('MESSAGE');
    bad.request.set('to', '<sip:bob@exa mple.com');
    expect(() => ua.handleRequest(bad.request, bad)).not.toThrow();
    expect(only(bad).status).toBe(400);
    const tx = incoming('MESSAGE');
    ua.handleRequest(tx.request, tx);
    expect(only(tx).status).toBe(500);
    expect(errors.length).toBe(2);
  });
});

describe('UserAgentCore outgoing requests (RFC 3261 §8.1)', () => {
  it('builds a valid out-of-dialog request', () => {
    const { ua } = setup();
    const req = ua.createRequest('INVITE', {
      to: '"Bob" <sip:bob@example.com>',
      from: '<sip:alice@example.com>',
      routes: ['<sip:proxy.example.com;lr>'],
    });
    expect(req.uriText).toBe('sip:bob@example.com');
    expect(req.topVia?.branch?.startsWith(MAGIC_COOKIE)).toBe(true);
    expect(req.topVia?.branch?.length).toBeGreaterThan(MAGIC_COOKIE.length + 8);
    expect(req.maxForwards).toBe(70);
    expect(req.from.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(req.to.tag).toBeUndefined();
    expect(req.to.displayName).toBe('"Bob"');
    expect(req.callId.length).toBeGreaterThanOrEqual(16);
    expect(req.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(req.get('contact')).toBe('<sip:sb@203.0.113.1:5060>');
    expect(req.getAll('route')).toEqual(['<sip:proxy.example.com;lr>']);
    expect(req.has('allow')).toBe(true);
    const message = ua.createRequest('MESSAGE', { to: 'sip:bob@example.com', from: 'sip:alice@example.com' });
    expect(message.has('contact')).toBe(false);
    expect(
      ua.createRequest('SUBSCRIBE', { to: 'sip:b@example.com', from: 'sip:a@example.com' }).has('contact'),
    ).toBe(true);
    expect(
      ua.createRequest('REFER', { to: 'sip:b@example.com', from: 'sip:a@example.com' }).has('contact'),
    ).toBe(true);
  });

  it('resolves the first loose Route, fits the Via to the transport and reports responses', async () => {
    const { ua, transport } = setup();
    transport.protocol = 'tcp';
    const req = ua.createRequest('MESSAGE', {
      to: 'sip:bob@example.com',
      from: 'sip:alice@example.com',
      routes: ['<sip:proxy.example.com:5080;lr>'],
    });
    const branch = req.topVia?.branch;
    const seen: number[] = [];
    await ua.sendRequest(req, {
      onProvisional: (r) => seen.push(r.status),
      onFinal: (r) => seen.push(r.status),
    });
    expect(transport.resolved.map(String)).toEqual(['sip:proxy.example.com:5080;lr']);
    const tx = transport.transactions[0]!;
    expect(tx.target).toEqual({ protocol: 'tcp', address: 'proxy.example.com', port: 5080 });
    expect(tx.request.topVia?.transport).toBe('TCP');
    expect(tx.request.topVia?.branch).toBe(branch);
    tx.receive(createResponseFor(tx.request, 180));
    tx.receive(createResponseFor(tx.request, 200));
    tx.receive(createResponseFor(tx.request, 200));
    expect(seen).toEqual([180, 200]);
  });

  it('reports 408 on timeout and 503 on transport error or failed resolution', async () => {
    const { ua, transport } = setup();
    const make = () =>
      ua.createRequest('OPTIONS', { to: 'sip:bob@example.com', from: 'sip:alice@example.com' });
    const finals: number[] = [];
    await ua.sendRequest(make(), { onFinal: (r) => finals.push(r.status) });
    transport.transactions[0]!.handlers.onTimeout?.(transport.transactions[0]!);
    await ua.sendRequest(make(), { onFinal: (r) => finals.push(r.status) });
    transport.transactions[1]!.handlers.onTransportError?.(
      new Error('ECONNREFUSED'),
      transport.transactions[1]!,
    );
    transport.failResolve = true;
    const final = await ua.request(make());
    finals.push(final.status);
    await flush();
    expect(finals).toEqual([408, 503, 503]);
  });
});

function createOk(req: SipRequest): SipResponse {
  return createResponse(req, 200);
}

function createResponseFor(req: SipRequest, status: number): SipResponse {
  return createResponse(req, status, undefined, 'peer');
}
