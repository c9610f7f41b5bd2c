import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { createResponse, SipRequest, type SipResponse } from '../../src/sip/message/index.js';
import { parseMessage } from '../../src/sip/parser/index.js';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { SipSocket } from '../integration/sip-socket.js';
import { untilDefined } from '../support/until.js';
import { loadTortureCases } from './torture-corpus.js';

/**
 * The RFC 4475 messages sent over a real UDP socket to a running node acting as a proxy for
 * example.com with a default route to `nextHop` (a socket of this test). Each message has the
 * outcome INDEX.tsv asks of a proxy: forwarded (valid messages, unknown headers byte for byte),
 * a specific response, or silence (dropped responses). The node must survive them all.
 */
type Outcome = { status: number } | 'forwarded' | 'dropped';

const expected: Record<string, Outcome> = {
  'badinv01.dat': { status: 400 },
  'clerr.dat': { status: 400 },
  'ncl.dat': { status: 400 },
  'scalar02.dat': { status: 400 },
  'scalarlg.dat': 'dropped',
  'quotbal.dat': { status: 400 },
  'ltgtruri.dat': { status: 400 },
  'lwsruri.dat': { status: 400 },
  'lwsstart.dat': { status: 400 },
  'trws.dat': { status: 400 },
  'escruri.dat': { status: 400 },
  'regbadct.dat': { status: 400 },
  'badaspec.dat': { status: 400 },
  'baddn.dat': { status: 400 },
  'badvers.dat': { status: 505 },
  'mismatch01.dat': { status: 400 },
  'mismatch02.dat': { status: 400 },
  'bigcode.dat': 'dropped',
  'insuf.dat': { status: 400 },
  'unkscm.dat': { status: 416 },
  'novelsc.dat': { status: 416 },
  'multi01.dat': { status: 400 },
  'mcl01.dat': { status: 400 },
  // RFC 3261 §16.3 step 5: a proxy refuses unknown Proxy-Require option tags.
  'bext01.dat': { status: 420 },
  // RFC 4475 §3.3.11: a proxy answers Max-Forwards 0 with 483.
  'zeromf.dat': { status: 483 },
  // Responses that match no transaction of ours are dropped (the broadcast one above all).
  'unreason.dat': 'dropped',
  'noreason.dat': 'dropped',
  'bcast.dat': 'dropped',
};

/** The top Via's branch of a corpus message: replies are matched on it, so a late response to the previous message's forwarded request cannot pass for this one's. */
function topBranch(data: Buffer): string | undefined {
  return /^(?:Via|v)\s*:[^\r\n]*?branch\s*=\s*([^;,\s]+)/im.exec(data.toString('latin1'))?.[1];
}

describe('RFC 4475 torture messages against a running node over UDP', () => {
  let node: RunningNode;
  let client: Socket;
  let client5050: Socket;
  let nextHop: Socket;
  let nodePort = 0;
  const replies: Buffer[] = [];
  const forwarded: Buffer[] = [];

  beforeAll(async () => {
    nextHop = createSocket('udp4');
    nextHop.on('message', (m, rinfo) => {
      forwarded.push(m);
      // Answer what arrives so the node's client transactions end instead of retransmitting.
      try {
        const request = parseMessage(m);
        if (request instanceof SipRequest && request.method !== 'ACK') {
          nextHop.send(createResponse(request, 200).toBuffer(), rinfo.port, rinfo.address);
        }
      } catch {
        // The node only forwards what it could parse.
      }
    });
    await new Promise<void>((r) => nextHop.bind(0, '127.0.0.1', () => r()));
    // Most corpus Vias carry no rport, so responses go to the Via's port at the source address
    // (RFC 3261 §18.2.2): the client listens on 5060 like the hosts in the corpus.
    // (quotbal.dat's Via names port 5050.)
    const listen = async (port: number) => {
      const socket = createSocket('udp4');
      socket.on('message', (m) => replies.push(m));
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, '127.0.0.1', () => resolve());
      });
      return socket;
    };
    client = await listen(5060);
    client5050 = await listen(5050);
  });

  // A fresh node per message: many corpus messages share a branch and would match the
  // previous message's transaction as retransmissions.
  beforeEach(async () => {
    const config = defaultConfig();
    config.api.port = 0;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    config.proxy.defaultRoute = `sip:127.0.0.1:${nextHop.address().port}`;
    node = await startNode(config, pino({ level: 'silent' }), {
      // Route headers in the corpus name example.com hosts: resolve them to the test's next hop.
      resolve: async () => ({ protocol: 'udp', address: '127.0.0.1', port: nextHop.address().port }),
    });
    nodePort = node.listening[0]!.port;
  });

  afterEach(async () => {
    await node.stop();
    // A reply this node relayed just before stopping may still be on its way to the client; let it
    // land now, so the next message's test (often with the same branch) starts without it.
    await new Promise((r) => setTimeout(r, 30));
  });

  afterAll(async () => {
    client?.close();
    client5050?.close();
    nextHop?.close();
  });

  for (const c of loadTortureCases()) {
    const outcome: Outcome = expected[c.file] ?? 'forwarded';
    it(`${c.file}: ${typeof outcome === 'string' ? outcome : outcome.status} (${c.expected})`, async () => {
      replies.length = 0;
      forwarded.length = 0;
      const branch = topBranch(c.data);
      const ours = () => replies.filter((r) => branch === undefined || topBranch(r) === branch);
      client.send(c.data, nodePort, '127.0.0.1');
      if (outcome === 'forwarded') {
        const out = await untilDefined(() => forwarded[0], 2000, 'the request forwarded to the next hop');
        const text = out.toString('latin1');
        if (c.file === 'wsinv.dat') {
          // Unknown headers are forwarded byte for byte, folding included.
          expect(text).toContain('NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n');
          expect(text).toContain('UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n');
        }
        if (c.file === 'mpart01.dat' || c.file === 'dblreq.dat') {
          const body = c.data.subarray(c.data.indexOf('\r\n\r\n') + 4);
          const sentBody = out.subarray(out.indexOf('\r\n\r\n') + 4);
          expect(body.subarray(0, sentBody.length).equals(sentBody)).toBe(true);
        }
        if (c.file === 'dblreq.dat') {
          await new Promise((r) => setTimeout(r, 100));
          expect(forwarded).toHaveLength(1);
        }
      } else if (outcome === 'dropped') {
        await new Promise((r) => setTimeout(r, 150));
        expect(ours()).toHaveLength(0);
        expect(forwarded).toHaveLength(0);
      } else {
        const reply = await untilDefined(
          () => ours().find((r) => !r.toString('latin1').startsWith('SIP/2.0 100')),
          2000,
          'a final response',
        );
        expect(reply.toString('latin1').split(' ')[1]).toBe(String(outcome.status));
        expect(forwarded).toHaveLength(0);
      }
    });
  }

  it('is still alive and answers OPTIONS to itself', async () => {
    replies.length = 0;
    const options = [
      `OPTIONS sip:127.0.0.1:${nodePort} SIP/2.0`,
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKalive',
      'From: <sip:probe@127.0.0.1>;tag=1',
      `To: <sip:127.0.0.1:${nodePort}>`,
      'Call-ID: alive-1',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Route: <sip:127.0.0.1:' + nodePort + ';lr>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    client.send(options, nodePort, '127.0.0.1');
    const reply = await untilDefined(() => replies[0], 2000, 'the answer to OPTIONS');
    expect(reply.toString('latin1')).toMatch(/^SIP\/2.0 200/);
  });
});

/**
 * RFC 3261 §16.3 comes before any policy: a node that serves another domain and has no default
 * route would refuse to relay these (403), but it validates them first, as RFC 4475 asks.
 */
describe('RFC 4475 bext01 and zeromf at a node that is not the target domain (example.com)', () => {
  let dataDir: string;
  let node: RunningNode;
  let client: SipSocket;
  let nodePort = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-rfc4475-'));
    const store = await SqliteProvisioningStore.open(join(dataDir, SQLITE_FILE));
    await store.addDomain('switchboard.test');
    await store.close();
    const config = defaultConfig();
    config.api.port = 0;
    config.dataDir = dataDir;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    node = await startNode(config, pino({ level: 'silent' }));
    nodePort = node.listening[0]!.port;
    client = await SipSocket.open();
  });

  afterAll(async () => {
    await node?.stop();
    client?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cases = loadTortureCases();
  // The corpus' Vias name hosts of its own: answer to the client's socket instead (rport).
  const send = (file: string) => {
    const data = cases.find((c) => c.file === file)!.data.toString('latin1');
    client.send(
      data.replace(
        /^(Via: [^\r\n]*)$/m,
        `Via: SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-${file};rport`,
      ),
      nodePort,
    );
  };

  it('bext01.dat: 420 Bad Extension with Unsupported naming both unknown Proxy-Require tags', async () => {
    send('bext01.dat');
    const response = await client.take<SipResponse>((m) => !m.isRequest && (m as SipResponse).status >= 200);
    expect(response.status).toBe(420);
    expect(response.getAll('unsupported')).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  });

  it('zeromf.dat: 483 Too Many Hops', async () => {
    send('zeromf.dat');
    const response = await client.take<SipResponse>((m) => !m.isRequest && (m as SipResponse).status >= 200);
    expect(response.status).toBe(483);
  });

  it('and refuses to relay the same request with room to travel (403): the validation came first', async () => {
    const data = cases.find((c) => c.file === 'zeromf.dat')!.data.toString('latin1');
    client.send(
      data
        .replace('Max-Forwards: 0', 'Max-Forwards: 70')
        .replace(
          /^(Via: [^\r\n]*)$/m,
          `Via: SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-relay;rport`,
        ),
      nodePort,
    );
    const response = await client.take<SipResponse>((m) => !m.isRequest && (m as SipResponse).status >= 200);
    expect(response.status).toBe(403);
  });
});
