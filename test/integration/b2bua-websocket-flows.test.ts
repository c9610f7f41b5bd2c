import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type SwitchboardConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import type { Cdr } from '../../src/store/index.js';
import { CAROL, carolAndDaveDataDir, contactUri, DAVE, sendAck, WsClients } from '../interop/ws-clients.js';
import { audioSdp, header } from '../interop/ws-sip-client.js';

// Calls the B2BUA holds between WebSocket clients (RFC 7118), as JsSIP registers them (RFC 5626
// outbound, `.invalid` Contacts). Each leg is a dialog of the node's own, set up over the client's
// socket: the node's in-dialog requests (its ACK for the 2xx, re-INVITE, BYE) must reach the
// client over that socket (RFC 5626 §5.3, RFC 7118 §5), the caller's and the callee's alike, on
// the API's port and on the dedicated ws listener. A client that left makes its leg fail (430)
// and the call end with its CDR.
const DOMAIN = 'example.com';

type Listener = 'api port' | 'ws listener';

/** A node whose B2BUA takes every call, with SIP over WebSocket on the API's port or its own. */
function nodeConfig(dataDir: string, listener: Listener): SwitchboardConfig {
  const config = defaultConfig();
  config.dataDir = dataDir;
  config.sip.port = 0;
  config.sip.listen = ['127.0.0.1'];
  config.api.port = 0;
  config.b2bua.mode = 'all';
  if (listener === 'api port') {
    config.sip.transports = ['udp'];
    config.sip.websocketOnApiPort = true;
  } else {
    config.sip.transports = ['udp', 'ws'];
    config.ws.port = 0;
  }
  return config;
}

function wsPort(node: RunningNode, listener: Listener): number {
  if (listener === 'api port') return node.api!.port;
  return node.listening.find((e) => e.protocol === 'ws')!.port;
}

describe.each<Listener>(['api port', 'ws listener'])(
  'B2BUA calls between WebSocket clients (%s)',
  (listener) => {
    let dataDir: string;
    let node: RunningNode;
    const clients = new WsClients(() => `ws://127.0.0.1:${wsPort(node, listener)}`, DOMAIN);

    beforeAll(async () => {
      dataDir = await carolAndDaveDataDir(DOMAIN, 'sb-ws-b2bua-');
      node = await startNode(nodeConfig(dataDir, listener), pino({ level: 'silent' }));
    });

    afterAll(async () => {
      await node?.stop();
      clients.closeAll();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** dave calls carol (registered) through the B2BUA; both ACKs done. */
    async function call(tag: string) {
      const { ua: carol } = await clients.registered(CAROL);
      const dave = await clients.connect(DAVE);
      const answered = dave.request('INVITE', `sip:${CAROL.username}@${DOMAIN}`, {
        fromTag: `dave-${tag}`,
        body: audioSdp(40_010),
      });
      const invite = await carol.next((m) => m.method === 'INVITE', 10_000);
      carol.respond(invite, 200, 'OK', { toTag: `carol-${tag}`, body: audioSdp(40_012) });
      const ok = await answered;
      expect(ok.status, ok.raw).toBe(200);
      // The B2BUA's leg toward dave is its own dialog: no Record-Route, its Contact is the node.
      expect(header(ok, 'Record-Route')).toBeUndefined();
      sendAck(dave, ok);
      // RFC 3261 §13.2.2.4: the B2BUA's own ACK for carol's 2xx, a request outside any transaction.
      const ack = await carol.next((m) => m.method === 'ACK', 10_000);
      expect(header(ack, 'Call-ID')).toBe(header(invite, 'Call-ID'));
      expect(header(ack, 'Via')).toMatch(/^SIP\/2\.0\/WS /);
      await expect.poll(() => node.b2bua!.liveCalls().length, { timeout: 5_000 }).toBe(1);
      return { carol, dave, invite, ok };
    }

    /** The node's open WebSocket connections (/metrics). */
    async function wsConnections(): Promise<number> {
      const metrics = await (await fetch(`http://127.0.0.1:${node.api!.port}/metrics`)).text();
      return Number(/sip_transport_connections\{transport="ws"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    }

    /** The CDR of the call whose caller leg had this Call-ID, once written. */
    async function cdrOf(callId: string) {
      let found: Cdr | undefined;
      await expect
        .poll(
          async () => {
            const { cdrs } = await node.services!.store.cdrs.listCdrs();
            found = cdrs.find((c) => c.callerCallId === callId);
            return found !== undefined;
          },
          { timeout: 5_000 },
        )
        .toBe(true);
      return found!;
    }

    it("re-INVITE and BYE reach each browser over its own socket, the callee's and the caller's", async () => {
      const { carol, dave, invite, ok } = await call('1');

      // dave's re-INVITE is relayed on carol's leg: the B2BUA's re-INVITE and its ACK reach her socket.
      const carolMark = carol.received.length;
      const reinvited = dave.request('INVITE', contactUri(ok), {
        to: header(ok, 'To'),
        fromTag: 'dave-1',
        callId: header(ok, 'Call-ID'),
        body: audioSdp(40_020),
      });
      const reinvite = await carol.next((m) => m.method === 'INVITE', 10_000, carolMark);
      expect(header(reinvite, 'To')).toContain('tag=carol-1');
      carol.respond(reinvite, 200, 'OK', { body: audioSdp(40_022) });
      await carol.next((m) => m.method === 'ACK', 10_000, carolMark);
      const reOk = await reinvited;
      expect(reOk.status, reOk.raw).toBe(200);
      sendAck(dave, reOk);

      // carol hangs up: the B2BUA's BYE on the caller's leg reaches dave over his socket.
      const daveMark = dave.received.length;
      const byeAnswer = carol.request('BYE', contactUri(invite), {
        to: header(invite, 'From'),
        fromTag: 'carol-1',
        callId: header(invite, 'Call-ID'),
      });
      const bye = await dave.next((m) => m.method === 'BYE', 10_000, daveMark);
      expect(bye.startLine).toContain(dave.host);
      dave.respond(bye, 200, 'OK');
      expect((await byeAnswer).status).toBe(200);
      await expect.poll(() => node.b2bua!.liveCalls().length, { timeout: 5_000 }).toBe(0);
      const cdr = await cdrOf(header(ok, 'Call-ID')!);
      expect(cdr).toMatchObject({ disposition: 'answered', hangup: 'callee' });
      carol.close();
      dave.close();
    });

    it('a callee whose socket closed: its BYE fails (430), the call still ends and its CDR is written', async () => {
      const { carol, dave, ok } = await call('2');
      const open = await wsConnections();
      carol.close();
      await expect.poll(wsConnections).toBe(open - 1);
      const byeAnswer = await dave.request('BYE', contactUri(ok), {
        to: header(ok, 'To'),
        fromTag: 'dave-2',
        callId: header(ok, 'Call-ID'),
      });
      expect(byeAnswer.status).toBe(200);
      await expect.poll(() => node.b2bua!.liveCalls().length, { timeout: 5_000 }).toBe(0);
      const cdr = await cdrOf(header(ok, 'Call-ID')!);
      expect(cdr).toMatchObject({ disposition: 'answered', hangup: 'caller' });
      dave.close();
    });

    it('at stop the node ends its calls with a BYE over each client socket', async () => {
      const { carol, dave } = await call('3');
      const marks = [carol.received.length, dave.received.length];
      const stopping = node.stop();
      for (const [i, ua] of [carol, dave].entries()) {
        const bye = await ua.next((m) => m.method === 'BYE', 5_000, marks[i]);
        ua.respond(bye, 200, 'OK');
      }
      await stopping;
    });
  },
);
