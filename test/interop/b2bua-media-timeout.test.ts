import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type B2buaNode, startB2buaNode } from './b2bua-node.js';
import { runSippCaller, startSippCallee } from './b2bua-sipp-legs.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { rtpenginePeer } from './rtpengine-process.js';
import { describeSipp } from './sipp.js';
import { headerValues, parseSippMessages } from './sipp-messages.js';

// SIPp caller → node (b2bua.mode all, media anchored, b2bua.mediaTimeout 2 s) → SIPp callee, and
// neither SIPp sends a single RTP packet. The node must end each call on both legs with a BYE
// whose Reason says "Media timeout" (the scenarios check it), write a CDR saying so, and leave no
// call and no relay session behind: on the built-in relay (its /metrics) and on a real rtpengine
// (its ng `list`).
const sipp = requirePeer('sipp', 'sip-tester');
const rtpengine = rtpenginePeer();
const CALLS = 2;
const MEDIA_TIMEOUT_S = 2;
const REASON = 'Q.850;cause=102;text="Media timeout"';

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
        const uas = await startSippCallee(bin, {
          scenario: 'b2bua-silent-callee.xml',
          traceFile: join(scratch, 'uas.log'),
        });
        let b2bua: B2buaNode | undefined;
        try {
          b2bua = await startB2buaNode({
            relay,
            ...(rtpengine ? { rtpengine } : {}),
            env: {
              SWITCHBOARD_B2BUA_MEDIA_TIMEOUT: String(MEDIA_TIMEOUT_S),
              SWITCHBOARD_PROXY_DEFAULT_ROUTE: uas.route,
            },
          });
          const result = await runSippCaller(bin, b2bua.node.port, {
            scenario: 'b2bua-silent-caller.xml',
            calls: CALLS,
            rate: 5,
            recvTimeoutMs: 20_000,
            timeoutS: 40,
            deadlineMs: 50_000,
            trace: true,
          });
          const report = () => `${describeSipp(result)}\n${b2bua?.report()}`;
          expect(result.failed, report()).toBe(0);
          expect(result.successful, report()).toBe(CALLS);
          // The caller's side: each BYE came from the node with the Reason (the scenario checked it too).
          const callerByes = parseSippMessages(result.messages ?? '').filter(
            (m) => m.direction === 'received' && m.startLine.startsWith('BYE'),
          );
          expect(callerByes, report()).toHaveLength(CALLS);
          for (const bye of callerByes) expect(headerValues(bye, 'reason')).toEqual([REASON]);
          await new Promise((resolve) => setTimeout(resolve, 500));
          await uas.stop();
          const calleeByes = uas
            .messages()
            .filter((m) => m.direction === 'received' && m.startLine.startsWith('BYE'));
          expect(calleeByes, report()).toHaveLength(CALLS);
          for (const bye of calleeByes) expect(headerValues(bye, 'reason')).toEqual([REASON]);

          const cdrs = await b2bua.cdrs(CALLS);
          expect(cdrs, report()).toHaveLength(CALLS);
          for (const cdr of cdrs) {
            expect(cdr).toMatchObject({
              status: 200,
              disposition: 'answered',
              hangup: 'node',
              cause: 102,
              reason: REASON,
            });
            expect(cdr.billableSeconds).toBeGreaterThanOrEqual(MEDIA_TIMEOUT_S);
          }
          const left = await b2bua.leftovers();
          expect(left, report()).toMatchObject({ calls: 0, uaTimers: 0, relaySessions: 0 });
          if (relay === 'builtin') expect(left.relayPorts).toBe(0);
        } finally {
          await uas.stop();
          const code = await b2bua?.stop();
          if (code !== undefined) expect(code, b2bua?.report()).toBe(0);
        }
      });
    },
  );
});
