import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crlfPing, optionsPing } from '../../../../src/edge/nat/index.js';
import { UserAgentCore } from '../../../../src/sip/ua/index.js';
import { binding } from '../../registrar/fakes.js';
import { answer, FakeTransport } from '../../ua/fakes.js';

const natted = binding({
  aor: 'sip:alice@example.com',
  contact: 'sip:alice@192.168.1.20:5060',
  source: { protocol: 'udp', address: '203.0.113.9', port: 40312 },
});

describe('the OPTIONS keep-alive (nathelper sipping)', () => {
  let transport: FakeTransport;
  let ping: ReturnType<typeof optionsPing>;
  beforeEach(() => {
    vi.useFakeTimers();
    transport = new FakeTransport();
    const core = new UserAgentCore({ transport, onError: () => {} });
    ping = optionsPing(
      core,
      (request, target, handlers) => transport.sendRequest(request, target, handlers),
      5000,
    );
  });
  afterEach(() => vi.useRealTimers());

  it('sends an OPTIONS for the registered contact to where its REGISTER came from; any answer counts', async () => {
    const result = ping(natted);
    const [tx] = transport.sent('OPTIONS');
    expect(tx?.request.uriText).toBe('sip:alice@192.168.1.20:5060');
    expect(tx?.request.get('to')).toBe('<sip:alice@example.com>');
    expect(tx?.request.from.uri.toString()).toBe('sip:switchboard@203.0.113.1:5060');
    expect(tx?.target).toEqual({ protocol: 'udp', address: '203.0.113.9', port: 40312 });
    tx?.receive(answer(tx.request, 405));
    await expect(result).resolves.toBe(true);
  });

  it('fails without an answer within its timeout, and on a transport error', async () => {
    const silent = ping(natted);
    await vi.advanceTimersByTimeAsync(5000);
    await expect(silent).resolves.toBe(false);
    const broken = ping(natted);
    const handlers = transport.sent('OPTIONS')[1]!.handlers;
    handlers.onTransportError?.(new Error('EHOSTUNREACH'), transport.sent('OPTIONS')[1]!);
    await expect(broken).resolves.toBe(false);
  });
});

describe('the CRLF keep-alive (RFC 5626 §3.5.1)', () => {
  const tcp = binding({
    contact: 'sip:alice@192.168.1.20:5060;transport=tcp',
    source: { protocol: 'tcp', address: '203.0.113.9', port: 51000, connectionId: 'tcp-4' },
  });

  it('writes CRLF CRLF on the registration’s connection', async () => {
    const sent: Array<{ data: string; to: unknown; connectionId: string | undefined }> = [];
    const ping = crlfPing(async (data, to, connectionId) => {
      sent.push({ data: data.toString(), to, connectionId });
    });
    await expect(ping(tcp)).resolves.toBe(true);
    expect(sent).toEqual([
      {
        data: '\r\n\r\n',
        to: { protocol: 'tcp', address: '203.0.113.9', port: 51000 },
        connectionId: 'tcp-4',
      },
    ]);
  });

  it('fails when the connection is gone or was never known (a binding restored after a restart)', async () => {
    const ping = crlfPing(async () => {
      throw new Error('connection closed');
    });
    await expect(ping(tcp)).resolves.toBe(false);
    await expect(
      crlfPing(async () => {})(binding({ source: { protocol: 'tcp', address: '203.0.113.9', port: 51000 } })),
    ).resolves.toBe(false);
  });
});
