import { describe, expect, it } from 'vitest';
import { NgClient } from '../../src/media/ng/index.js';
import { atLeast } from './b2bua-node.js';
import { expectTone, isType, sleep, useBaresipCall } from './baresip-call-fixture.js';
import type { BaresipUa } from './baresip-process.js';
import type { CapturedDatagram, LoopbackCapture } from './capture.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, provisionSwitchboard } from './registrar-process.js';
import { rtpenginePeer } from './rtpengine-process.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

// baresip ↔ baresip through a node whose B2BUA takes every call with media anchored on a real
// rtpengine (the evidence):
// - topology hiding, proven on the wire: tshark captures each phone's ports, and nothing either
//   phone receives names the other (its Call-ID, tag, Via branch, host:port, Contact, SDP origin
//   and RTP port); each hears the other's tone, from rtpengine's ports; the call outlives a short
//   b2bua.mediaTimeout because RTP flows;
// - kill -9 of the callee's baresip mid-call: the session timer (b2bua.sessionExpires 90, the
//   RFC 4028 minimum; sip.timers.t1 100 ms so the dead refresh times out in 6.4 s) ends the call
//   on the caller's side, and the CDR says the node ended it and why.
const baresip = requirePeer('baresip', 'baresip');
const tshark = requirePeer('tshark', 'tshark');
const rtpengine = rtpenginePeer();
const skip = [
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
  tshark ? undefined : missingPeerReason('tshark', 'tshark'),
  rtpengine ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon'),
];

const ALICE = { username: 'alice', password: 'alice-Secret-9', toneHz: 600 };
const BOB = { username: 'bob', password: 'bob-Secret-8', toneHz: 1000 };
const MEDIA_TIMEOUT_S = 3;

interface Cdr {
  hangup: string;
  cause: number;
  status: number;
  disposition: string;
  reason?: string;
  calleeCallId: string;
}

/** A SIP message read from a datagram (undefined for RTP and anything else). */
interface WireSip {
  startLine: string;
  headers: Array<[string, string]>;
  body: string;
  text: string;
}

const COMPACT: Record<string, string> = { i: 'call-id', v: 'via', f: 'from', t: 'to', m: 'contact' };

function sipOf(datagram: CapturedDatagram): WireSip | undefined {
  const text = datagram.payload.toString('latin1');
  if (!/^(SIP\/2\.0 \d{3}|[A-Z]+ sips?:)/.test(text)) return undefined;
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = lines.flatMap((line): Array<[string, string]> => {
    const colon = line.indexOf(':');
    if (colon < 0) return [];
    const name = line.slice(0, colon).trim().toLowerCase();
    return [[COMPACT[name] ?? name, line.slice(colon + 1).trim()]];
  });
  return { startLine, headers, body: end < 0 ? '' : text.slice(end + 4), text };
}

const header = (m: WireSip, name: string): string[] =>
  m.headers.filter(([n]) => n === name).map(([, v]) => v);
const param = (value: string | undefined, name: string): string | undefined =>
  value === undefined ? undefined : new RegExp(`;\\s*${name}=([^;>,\\s]+)`, 'i').exec(value)?.[1];
const inCall = (m: WireSip): boolean => !/REGISTER$/.test(header(m, 'cseq')[0] ?? '');

/** What identifies one phone in the call, read from the SIP it sent and received. */
function identifiers(ua: BaresipUa, sent: WireSip[], received: WireSip[]): Map<string, string> {
  const out = new Map<string, string>();
  const add = (what: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out.set(`${what}: ${value}`, value);
  };
  add('host:port', `127.0.0.1:${ua.sipPort}`);
  for (const m of [...sent, ...received].filter(inCall)) add('Call-ID', header(m, 'call-id')[0]);
  for (const m of sent.filter(inCall)) {
    const request = !m.startLine.startsWith('SIP/2.0');
    // Its own tag: From in its requests, To in its responses.
    add('tag', param(header(m, request ? 'from' : 'to')[0], 'tag'));
    if (request) add('Via branch', param(header(m, 'via')[0], 'branch'));
    for (const contact of header(m, 'contact')) add('Contact', /<([^>]+)>/.exec(contact)?.[1] ?? contact);
    const origin = /^o=\S+ (\d+) /m.exec(m.body)?.[1];
    add('SDP o= session id', origin);
    const port = /^m=audio (\d+) /m.exec(m.body)?.[1];
    if (port !== undefined) add('SDP m= port', `m=audio ${port} `);
  }
  return out;
}

describe.skipIf(skip.some(Boolean))(
  suiteTitle(
    'baresip ↔ baresip through the B2BUA on rtpengine: topology hiding on the wire, a dead callee',
    skip,
  ),
  () => {
    const call = useBaresipCall<TrunkNode>({
      name: 'robust',
      baresip: baresip!,
      users: [ALICE, BOB],
      toneSeconds: 60,
      media: { relay: 'rtpengine', ports: 40, rtpengine, rtpengineOffset: 700 },
      node: {
        async start(mediaEnv) {
          const prepared = await prepareTrunkNode();
          await provisionSwitchboard(prepared.dataDir, { subscribers: [ALICE, BOB] });
          return startTrunkNode(prepared, {
            domain: DOMAIN,
            env: {
              SWITCHBOARD_B2BUA_MODE: 'all',
              ...mediaEnv,
              SWITCHBOARD_B2BUA_SESSION_EXPIRES: '90',
              SWITCHBOARD_B2BUA_MEDIA_TIMEOUT: String(MEDIA_TIMEOUT_S),
              SWITCHBOARD_SIP_TIMERS_T1: '100',
            },
          });
        },
        report: (node) => node.report(),
        async stop(node) {
          await node.stop();
          node.cleanup();
        },
      },
    });
    const reports = (): string => call.report();

    /** The CDRs, once there are at least `count` (a call's CDR is written just after it ends). */
    function cdrs(count = 0): Promise<Cdr[]> {
      return atLeast(count, async () => (await call.node.get<{ cdrs: Cdr[] }>('/v1/cdrs')).body.cdrs);
    }

    it('each phone receives nothing that names the other; tones both ways from rtpengine; RTP outlives the media timeout', async () => {
      const ports = (ua: BaresipUa) => ({
        sip: ua.sipPort,
        rtpMin: ua.rtpPortMin,
        rtpMax: ua.rtpPortMin + 9,
      });
      const filter = (ua: BaresipUa) => {
        const p = ports(ua);
        return `udp port ${p.sip} or udp portrange ${p.rtpMin}-${p.rtpMax}`;
      };
      const alice = call.phone(ALICE);
      const bob = call.phone(BOB);
      const aliceCapture = await call.capture(tshark!, 'alice', filter(alice), alice.sipPort);
      const bobCapture = await call.capture(tshark!, 'bob', filter(bob), bob.sipPort);
      const since = alice.events.length;
      const heard = await call.call(alice, bob, `sip:${BOB.username}@${DOMAIN}`, {
        // Longer than b2bua.mediaTimeout: RTP through rtpengine keeps the call up.
        seconds: MEDIA_TIMEOUT_S + 2,
        midCall: () => {
          expect(alice.events.slice(since).some(isType('CALL_CLOSED')), reports()).toBe(false);
        },
        // Bob hangs up, so his own BYE (his Via branch, his tag) is on the wire too.
        hangsUp: bob,
      });
      await sleep(300);
      await aliceCapture.stop();
      await bobCapture.stop();

      const split = async (ua: BaresipUa, capture: LoopbackCapture) => {
        const p = ports(ua);
        const mine = (port: number) => port === p.sip || (port >= p.rtpMin && port <= p.rtpMax);
        const all = await capture.datagrams();
        const received = all.filter((d) => mine(d.dstPort) && !mine(d.srcPort));
        const sent = all.filter((d) => mine(d.srcPort) && !mine(d.dstPort));
        const sip = (ds: CapturedDatagram[]) => ds.flatMap((d) => sipOf(d) ?? []);
        return { received, sent, sipReceived: sip(received), sipSent: sip(sent), p };
      };
      const a = await split(alice, aliceCapture);
      const b = await split(bob, bobCapture);
      const ids = {
        alice: identifiers(alice, a.sipSent, a.sipReceived),
        bob: identifiers(bob, b.sipSent, b.sipReceived),
      };
      // The capture saw the call: INVITE, 200, BYE on each side, and each side's identifiers.
      expect(
        a.sipSent.some((m) => m.startLine.startsWith('INVITE ')),
        reports(),
      ).toBe(true);
      expect(
        b.sipReceived.some((m) => m.startLine.startsWith('INVITE ')),
        `bob received ${b.sipReceived.map((m) => m.startLine).join(' | ')} (${b.received.length} datagrams)\n${reports()}`,
      ).toBe(true);
      expect(
        a.sipReceived.some((m) => m.startLine.startsWith('BYE ')),
        `alice received ${a.sipReceived.map((m) => m.startLine).join(' | ')}\n${reports()}`,
      ).toBe(true);
      expect(
        b.sipSent.some((m) => m.startLine.startsWith('BYE ')),
        reports(),
      ).toBe(true);
      for (const kind of ['Call-ID', 'tag', 'Via branch', 'Contact', 'SDP o= session id', 'SDP m= port']) {
        expect(
          [...ids.alice.keys()].some((k) => k.startsWith(kind)),
          `alice ${kind}: ${[...ids.alice.keys()]}`,
        ).toBe(true);
        expect(
          [...ids.bob.keys()].some((k) => k.startsWith(kind)),
          `bob ${kind}: ${[...ids.bob.keys()]}`,
        ).toBe(true);
      }
      const leaks = (received: CapturedDatagram[], other: Map<string, string>): string[] => {
        const texts = received.map((d) => d.payload.toString('latin1'));
        return [...other].filter(([, value]) => texts.some((t) => t.includes(value))).map(([what]) => what);
      };
      expect(leaks(a.received, ids.bob), 'what alice received names bob').toEqual([]);
      expect(leaks(b.received, ids.alice), 'what bob received names alice').toEqual([]);
      // Media: each phone's RTP came from rtpengine's ports, never from the other phone's.
      const rtpFrom = (received: CapturedDatagram[], p: { rtpMin: number; rtpMax: number }) => [
        ...new Set(
          received.filter((d) => d.dstPort >= p.rtpMin && d.dstPort <= p.rtpMax).map((d) => d.srcPort),
        ),
      ];
      for (const [who, side] of [
        ['alice', a],
        ['bob', b],
      ] as const) {
        const sources = rtpFrom(side.received, side.p);
        expect(sources.length, `${who} received RTP`).toBeGreaterThan(0);
        for (const port of sources)
          expect(
            port >= call.relayPorts.min && port < call.relayPorts.min + call.relayPorts.count,
            `${who} received RTP from port ${port}, not rtpengine's ${call.relayPorts.min}+`,
          ).toBe(true);
      }
      // Audio both ways, by tone (the recording of what each decoded).
      expectTone(heard.heardByCallee, ALICE.toneHz, BOB.toneHz, 'bob', reports());
      expectTone(heard.heardByCaller, BOB.toneHz, ALICE.toneHz, 'alice', reports());
      // Bob hung up: the CDR says so, and the node gave no Reason of its own.
      const [cdr] = await cdrs(1);
      expect(cdr, reports()).toMatchObject({ status: 200, disposition: 'answered', hangup: 'callee' });
      expect(cdr?.reason).toBeUndefined();
    }, 90_000);

    it("kill -9 of the callee's baresip: the session timer ends the call on the caller's side; the CDR says why", async () => {
      const alice = call.phone(ALICE);
      const bob = call.phone(BOB);
      const earlier = (await cdrs()).length;
      const since = { alice: alice.events.length, bob: bob.events.length };
      const dialed = await alice.command('dial', `sip:${BOB.username}@${DOMAIN}`);
      expect(dialed.ok, `dial: ${dialed.data}\n${reports()}`).toBe(true);
      await bob.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.bob);
      await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.alice);
      await sleep(1000);
      process.kill(bob.child.pid!, 'SIGKILL');
      await bob.child.exited;
      // The node refreshes bob's leg at 45 s (half of 90); the refresh times out (64 × T1 = 6.4 s).
      await alice.waitForEvent(isType('CALL_CLOSED'), 90_000, since.alice);
      const listed = await cdrs(earlier + 1);
      expect(listed.length, reports()).toBe(earlier + 1);
      const cdr = listed[0]!;
      expect(cdr, reports()).toMatchObject({
        status: 200,
        disposition: 'answered',
        hangup: 'node',
        cause: 102,
      });
      expect(cdr.reason, reports()).toBe('SIP;cause=408;text="Session refresh failed"');
      const metrics = await (await fetch(`http://127.0.0.1:${call.node.apiPort}/metrics`)).text();
      expect(metrics).toMatch(/^switchboard_b2bua_calls_active 0$/m);
      const ng = new NgClient(call.media!.engine!.ngAddress);
      try {
        const list = await ng.request('list', { limit: 100 });
        expect(list['calls'], JSON.stringify(list)).toEqual([]);
      } finally {
        await ng.close();
      }
    }, 120_000);
  },
);
