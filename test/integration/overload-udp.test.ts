import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { SipSocket } from './sip-socket.js';

const request = (method: string, uri: string, uacPort: number, callId: string, toTag = '') =>
  `${method} ${uri} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=z9hG4bK${callId};rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-${callId}
To: <${uri}>${toTag}
Call-ID: ${callId}
CSeq: 1 ${method}
Contact: <sip:alice@127.0.0.1:${uacPort}>
Content-Length: 0

`;

describe('overload control over UDP (RFC 3261 §21.5.4)', () => {
  let running: RunningNode | undefined;
  const sockets: SipSocket[] = [];
  afterEach(async () => {
    await running?.stop();
    for (const s of sockets.splice(0)) s.close();
  });

  it('answers new requests 503 with Retry-After past overload.maxServerTransactions, in-dialog ones still pass', async () => {
    const uac = await SipSocket.open();
    // A next hop that never answers: the first INVITE's server transaction stays live.
    const silent = await SipSocket.open();
    sockets.push(uac, silent);
    const config = defaultConfig();
    config.api.enabled = false;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    config.proxy.defaultRoute = `sip:127.0.0.1:${silent.port}`;
    config.overload.maxServerTransactions = 1;
    config.overload.retryAfter = 7;
    running = await startNode(config, pino({ level: 'silent' }));
    const port = running.listening[0]!.port;
    const uri = `sip:bob@127.0.0.1:${silent.port}`;

    uac.send(request('INVITE', uri, uac.port, 'ov-1'), port);
    await silent.request('INVITE');
    await uac.response(100);

    uac.send(request('INVITE', uri, uac.port, 'ov-2'), port);
    const refused = await uac.response(503);
    expect(refused.callId).toBe('ov-2');
    expect(refused.get('retry-after')).toBe('7');

    // A BYE of a dialog finishes work already taken: it is not refused.
    uac.send(request('BYE', uri, uac.port, 'ov-3', ';tag=b-1'), port);
    expect((await silent.request('BYE')).callId).toBe('ov-3');

    expect(running.stack.counters.requestsOverloaded).toBe(1);
    expect(running.edge.overload.refused.transactions).toBe(1);
  });
});
