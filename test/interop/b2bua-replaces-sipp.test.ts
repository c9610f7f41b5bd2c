import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { untilDefined } from '../support/until.js';
import { atLeast } from './b2bua-node.js';
import { type Cdr, one, tagOf } from './b2bua-sipp-call.js';
import {
  runSippCaller,
  type SippCallee,
  startSignallingB2bua,
  startSippCallee,
  stopCleanly,
} from './b2bua-sipp-legs.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { describeSipp } from './sipp.js';

// SIPp alice → a node whose B2BUA takes every call → SIPp bob (the node's default route). While
// alice and bob talk, a second SIPp, carol, sends the node an INVITE whose Replaces names bob's leg
// (RFC 3891 §3: the last step of an attended transfer, as the transferee's phone would send it),
// with the dialog identifiers read from bob's own message trace. The node re-INVITEs alice with
// carol's offer, answers carol with alice's SDP and ends bob's leg with BYE.
const sipp = requirePeer('sipp', 'sip-tester');

describe.skipIf(!sipp)(
  suiteTitle('B2BUA interop: an INVITE with Replaces takes over a leg (SIPp)', [
    sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  ]),
  () => {
    const bin = sipp!;
    const scratch = mkdtempSync(join(tmpdir(), 'sb-b2bua-replaces-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    /** Bob's answered dialog as his trace shows it: the node's Call-ID and tag, bob's tag. */
    function bobsDialog(bob: SippCallee): Promise<{ callId: string; nodeTag: string; bobTag: string }> {
      return untilDefined(
        () => {
          const messages = bob.messages();
          const ok = messages.find((m) => m.direction === 'sent' && m.status === 200);
          const ack = messages.find((m) => m.direction === 'received' && m.startLine.startsWith('ACK'));
          if (!ok || !ack) return undefined;
          return {
            callId: one(ok, 'call-id'),
            nodeTag: tagOf(one(ok, 'from'))!,
            bobTag: tagOf(one(ok, 'to'))!,
          };
        },
        15_000,
        "bob's answer and the ACK",
        100,
      ).catch((e: Error) => {
        throw new Error(
          `${e.message}\n${bob
            .messages()
            .map((m) => `${m.direction} ${m.startLine}`)
            .join('\n')}`,
        );
      });
    }

    it("carol's INVITE with Replaces joins alice and carol, bob's leg ends with BYE; CDRs say so", {
      timeout: 90_000,
    }, async () => {
      const bob = await startSippCallee(bin, { traceFile: join(scratch, 'bob.log') });
      const node = await startSignallingB2bua(bob);
      try {
        const caller = { recvTimeoutMs: 20_000, timeoutS: 40, deadlineMs: 60_000, trace: true };
        const alice = runSippCaller(bin, node.port, { scenario: 'b2bua-replaces-transferee.xml', ...caller });
        const dialog = await bobsDialog(bob);
        const replaces = `${dialog.callId};to-tag=${dialog.nodeTag};from-tag=${dialog.bobTag}`;
        const carol = await runSippCaller(bin, node.port, {
          scenario: 'b2bua-replaces-caller.xml',
          extraArgs: ['-key', 'replaces', replaces],
          ...caller,
        });
        const aliceResult = await alice;
        const why = `${describeSipp(aliceResult)}\n${describeSipp(carol)}\n${node.report()}`;
        expect(carol.failed, why).toBe(0);
        expect(carol.successful, why).toBe(1);
        expect(aliceResult.failed, why).toBe(0);
        expect(aliceResult.successful, why).toBe(1);
        await bob.stop();
        // Bob's leg got BYE with the Reason; alice's re-INVITE carried carol's offer (checked in
        // the scenario), and carol's 200 alice's answer.
        const bye = bob.messages().find((m) => m.direction === 'received' && m.startLine.startsWith('BYE'));
        expect(one(bye, 'call-id')).toBe(dialog.callId);
        expect(one(bye, 'reason')).toBe('SIP;cause=200;text="Call replaced"');
        const cdrs = await atLeast(2, async () => (await node.get<{ cdrs: Cdr[] }>('/v1/cdrs')).body.cdrs);
        expect(cdrs, JSON.stringify(cdrs)).toHaveLength(2);
        const original = cdrs.find((c) => c.calleeCallId === dialog.callId);
        expect(original).toMatchObject({ status: 200, hangup: 'callee', disposition: 'answered' });
        const joined = cdrs.find((c) => c.calleeCallId !== dialog.callId);
        expect(joined).toMatchObject({ status: 200, hangup: 'callee', disposition: 'answered' });
        expect(joined!.callerCallId).toBe(original!.callerCallId);
      } finally {
        await bob.stop();
        await stopCleanly(node);
      }
    });
  },
);
