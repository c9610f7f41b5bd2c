import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NgClient } from '../../src/media/ng/index.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { repoRoot } from './repo.js';
import {
  RTPENGINE_MEDIA_PORTS,
  type RtpengineProcess,
  rtpenginePeer,
  startRtpengine,
} from './rtpengine-process.js';
import { describeSipp, runSipp, sippPorts, startSippUas } from './sipp.js';
import { headerValues, parseSippMessages } from './sipp-messages.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

interface Cdr {
  hangup: string;
  cause: number;
  status: number;
  disposition: string;
  reason?: string;
  billableSeconds: number;
}

// SIPp caller → node (b2bua.mode all, media anchored, b2bua.mediaTimeout 2 s) → SIPp callee, and
// neither SIPp sends a single RTP packet. The node must end each call on both legs with a BYE
// whose Reason says "Media timeout" (the scenarios check it), write a CDR saying so, and leave no
// call and no relay session behind: on the built-in relay (its /metrics) and on a real rtpengine
// (its ng `list`).
const sipp = requirePeer('sipp', 'sip-tester');
const rtpengine = rtpenginePeer();
const scenario = (name: string) => join(repoRoot, 'test/interop/scenarios', name);
const CALLS = 2;
const MEDIA_TIMEOUT_S = 2;

function metric(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe.each([
  { relay: 'builtin', missing: undefined },
  { relay: 'rtpengine', missing: rtpengine ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon') },
] as const)('b2bua.mediaTimeout on media.relay $relay', ({ relay, missing }) => {
  describe.skipIf(!sipp || missing)(
    suiteTitle(`SIPp calls without RTP through the B2BUA and the ${relay} relay are ended by the node`, [
      sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
      missing,
    ]),
    () => {
      const scratch = mkdtempSync(join(tmpdir(), 'sb-media-timeout-'));
      afterAll(() => rmSync(scratch, { recursive: true, force: true }));

      it(`ends ${CALLS} silent calls after ${MEDIA_TIMEOUT_S} s with BYE and Reason on both legs; CDRs say media timeout; nothing left`, {
        timeout: 90_000,
      }, async () => {
        const bin = sipp!;
        const uasLog = join(scratch, 'uas.log');
        const uas = await startSippUas(bin, {
          transport: 'udp',
          scenario: scenario('b2bua-silent-callee.xml'),
          extraArgs: ['-trace_msg', '-message_file', uasLog],
        });
        let engine: RtpengineProcess | undefined;
        let node: TrunkNode | undefined;
        const prepared = await prepareTrunkNode();
        try {
          const env: Record<string, string> = {
            SWITCHBOARD_B2BUA_MODE: 'all',
            SWITCHBOARD_B2BUA_MEDIA_TIMEOUT: String(MEDIA_TIMEOUT_S),
            SWITCHBOARD_MEDIA_RELAY: relay,
            SWITCHBOARD_PROXY_DEFAULT_ROUTE: `sip:127.0.0.1:${uas.port}`,
          };
          if (relay === 'builtin') {
            const block = await allocatePorts(21);
            const min = block + (block % 2);
            Object.assign(env, {
              SWITCHBOARD_MEDIA_ADDRESS: '127.0.0.1',
              SWITCHBOARD_MEDIA_PORT_MIN: String(min),
              SWITCHBOARD_MEDIA_PORT_MAX: String(min + 19),
              SWITCHBOARD_MEDIA_WORKERS: '1',
            });
          } else {
            const min = RTPENGINE_MEDIA_PORTS.min + 300;
            engine = await startRtpengine(rtpengine!, { portMin: min, portMax: min + 39 });
            env['SWITCHBOARD_MEDIA_RTPENGINE'] = engine.ngAddress;
          }
          node = await startTrunkNode(prepared, { domain: 'timeout.test', env });
          const ports = await sippPorts();
          const result = await runSipp(
            bin,
            [
              '-sf',
              scenario('b2bua-silent-caller.xml'),
              `127.0.0.1:${node.port}`,
              '-s',
              'bob',
              '-i',
              '127.0.0.1',
              '-p',
              String(ports.sip),
              ...ports.args,
              '-t',
              'u1',
              '-m',
              String(CALLS),
              '-r',
              '5',
              '-recv_timeout',
              '20000',
              '-timeout',
              '40',
            ],
            50_000,
            { traceMessages: true },
          );
          const report = () => `${describeSipp(result)}\n${node?.report()}\n${engine?.report() ?? ''}`;
          expect(result.failed, report()).toBe(0);
          expect(result.successful, report()).toBe(CALLS);
          // The caller's side: each BYE came from the node with the Reason (the scenario checked it too).
          const callerByes = parseSippMessages(result.messages ?? '').filter(
            (m) => m.direction === 'received' && m.startLine.startsWith('BYE'),
          );
          expect(callerByes, report()).toHaveLength(CALLS);
          for (const bye of callerByes)
            expect(headerValues(bye, 'reason')).toEqual(['Q.850;cause=102;text="Media timeout"']);
          await new Promise((resolve) => setTimeout(resolve, 500));
          await uas.stop();
          const calleeByes = parseSippMessages(readFileSync(uasLog, 'utf8')).filter(
            (m) => m.direction === 'received' && m.startLine.startsWith('BYE'),
          );
          expect(calleeByes, report()).toHaveLength(CALLS);
          for (const bye of calleeByes)
            expect(headerValues(bye, 'reason')).toEqual(['Q.850;cause=102;text="Media timeout"']);

          const cdrs = (await node.get<{ cdrs: Cdr[] }>('/v1/cdrs')).body.cdrs;
          expect(cdrs, report()).toHaveLength(CALLS);
          for (const cdr of cdrs) {
            expect(cdr).toMatchObject({
              status: 200,
              disposition: 'answered',
              hangup: 'node',
              cause: 102,
              reason: 'Q.850;cause=102;text="Media timeout"',
            });
            expect(cdr.billableSeconds).toBeGreaterThanOrEqual(MEDIA_TIMEOUT_S);
          }
          const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
          expect(metric(metrics, 'switchboard_b2bua_calls_active'), metrics).toBe(0);
          if (relay === 'builtin') {
            expect(metric(metrics, 'switchboard_media_sessions'), metrics).toBe(0);
            expect(metric(metrics, 'switchboard_media_ports'), metrics).toBe(0);
          } else {
            const ng = new NgClient(engine!.ngAddress);
            try {
              const list = await ng.request('list', { limit: 100 });
              expect(list['calls'], JSON.stringify(list)).toEqual([]);
            } finally {
              await ng.close();
            }
          }
        } finally {
          await uas.stop();
          const exit = await node?.stop();
          node?.cleanup();
          if (!node) rmSync(prepared.dataDir, { recursive: true, force: true });
          await engine?.stop();
          if (exit) expect(exit.code, node?.report()).toBe(0);
        }
      });
    },
  );
});
