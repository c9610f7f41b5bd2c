import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from './child.js';
import { peersRequired, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard } from './registrar-process.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';
import { CAROL, contactUri, DAVE, recordRoutes, sendAck, WsClients } from './ws-clients.js';
import { audioSdp, header, type WsMessage, type WsSipUa } from './ws-sip-client.js';

// RFC 5626 (SIP Outbound) over WebSocket, as JsSIP registers by default: two browser-like clients
// register with +sip.instance and reg-id and get `Require: outbound`; carol calls dave through
// the node, which Record-Routes with a flow token naming carol's WebSocket connection (`;ob`).
// Dave's in-dialog BYE follows that route and reaches carol over her own socket (her Contact,
// a .invalid host, is reachable no other way); once her socket is gone, dave's BYE gets 430.
const built = switchboardBuilt();
if (!built && peersRequired()) throw new Error(`${switchboardEntry} missing: run npm run build`);
const unavailable = [built ? undefined : `${switchboardEntry} missing: run npm run build`];

describe.skipIf(unavailable.some(Boolean))(
  suiteTitle('SIP Outbound flows over WebSocket', unavailable),
  () => {
    let dataDir: string;
    let node: Child;
    let wsPort: number;
    const clients = new WsClients(() => `ws://127.0.0.1:${wsPort}`, DOMAIN);

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sb-outbound-'));
      await provisionSwitchboard(dataDir, { subscribers: [CAROL, DAVE] });
      const first = await allocatePorts(2);
      wsPort = first + 1;
      node = spawnDataDirNode({
        port: first,
        dataDir,
        domain: DOMAIN,
        apiPort: 0,
        logLevel: 'info',
        env: nodeEnv({ SWITCHBOARD_SIP_TRANSPORTS: 'udp,ws', SWITCHBOARD_WS_PORT: String(wsPort) }),
      });
      await awaitNodeStarted(node, 'API listening', () => node.stop());
    }, 30_000);

    afterAll(async () => {
      clients.closeAll();
      if (node) {
        const exit = await node.stop();
        expect(exit.killed, `switchboard ignored SIGTERM\n${node.report()}`).toBe(false);
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function client(who: typeof CAROL): Promise<WsSipUa> {
      const { ua, answer: registered } = await clients.registered(who, () => node.report());
      // RFC 5626 §6: the registrar does outbound for this flow and says so.
      expect(header(registered, 'Require')).toBe('outbound');
      expect(header(registered, 'Contact')).toContain(`reg-id=1`);
      return ua;
    }

    /** carol calls dave; dave answers; carol ACKs. Returns what dave needs to send in the dialog. */
    async function call(carol: WsSipUa, dave: WsSipUa, tag: string) {
      const from = dave.received.length;
      const answered = carol.request('INVITE', `sip:${DAVE.username}@${DOMAIN}`, {
        fromTag: `caller-${tag}`,
        body: audioSdp(40_000),
      });
      const invite = await dave.next((m) => m.method === 'INVITE', 10_000, from);
      dave.respond(invite, 200, 'OK', { toTag: `callee-${tag}`, body: audioSdp(40_002) });
      const ok = await answered;
      expect(ok.status, `${ok.raw}\n${node.report()}`).toBe(200);
      const ackFrom = dave.received.length;
      sendAck(carol, ok);
      await dave.next((m) => m.method === 'ACK', 10_000, ackFrom);
      return invite;
    }

    /** dave's BYE for the dialog the INVITE made, along its route set (RFC 3261 §12.2.1.1). */
    function daveBye(dave: WsSipUa, invite: WsMessage, tag: string): string {
      return [
        `BYE ${contactUri(invite)} SIP/2.0`,
        `Via: SIP/2.0/WS ${dave.host};branch=z9hG4bKbye${tag}${Date.now()}`,
        'Max-Forwards: 70',
        ...recordRoutes(invite).map((r) => `Route: ${r}`),
        `From: ${header(invite, 'To')};tag=callee-${tag}`,
        `To: ${header(invite, 'From')}`,
        `Call-ID: ${header(invite, 'Call-ID')}`,
        'CSeq: 1 BYE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    }

    it("the callee's BYE reaches the caller over her own WebSocket through the flow token", async () => {
      const carol = await client(CAROL);
      const dave = await client(DAVE);
      const invite = await call(carol, dave, '1');
      // RFC 5626 §5.2: the node's Record-Route carries a flow token as its user part, and ;ob.
      const routes = recordRoutes(invite);
      expect(
        routes.some((r) => /^<sip:[A-Za-z0-9_-]{20,}@[^>]*;lr;ob>$/.test(r)),
        routes.join(' | '),
      ).toBe(true);

      const mark = carol.received.length;
      const daveMark = dave.received.length;
      dave.send(daveBye(dave, invite, '1'));
      const bye = await carol.next((m) => m.method === 'BYE', 10_000, mark);
      expect(bye.startLine).toContain(carol.host);
      carol.respond(bye, 200, 'OK');
      const answer = await dave.next(
        (m) => m.status !== undefined && /BYE/.test(header(m, 'CSeq') ?? ''),
        10_000,
        daveMark,
      );
      expect(answer.status).toBe(200);
    }, 60_000);

    it("once the caller's WebSocket is gone, the callee's BYE gets 430 Flow Failed (RFC 5626 §5.3)", async () => {
      const [carol, dave] = clients.open as [WsSipUa, WsSipUa];
      const invite = await call(carol, dave, '2');
      carol.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const daveMark = dave.received.length;
      dave.send(daveBye(dave, invite, '2'));
      const answer = await dave.next(
        (m) => m.status !== undefined && /BYE/.test(header(m, 'CSeq') ?? ''),
        10_000,
        daveMark,
      );
      expect(`${answer.status} ${answer.startLine}`, node.report()).toMatch(/^430 .*Flow Failed/);
    }, 60_000);
  },
);
