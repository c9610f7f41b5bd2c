import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type B2buaSippRun, b2buaSippCall, endedCalls, one, tagOf } from './b2bua-sipp-call.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { describeSipp } from './sipp.js';
import type { TracedMessage } from './sipp-messages.js';

// SIPp caller → node (b2bua.mode all) → SIPp callee, for what happens inside the legs' dialogs:
// reliable provisionals (RFC 3262), UPDATE early and confirmed (RFC 3311), re-INVITE glare
// (RFC 3261 §14.1) and 422 Session Interval Too Small (RFC 4028). Each check reads both sides'
// message traces, so it is the wire that is asserted, not the node's view of it.
const sipp = requirePeer('sipp', 'sip-tester');

const sent = (messages: TracedMessage[], start: string) =>
  messages.filter((m) => m.direction === 'sent' && m.startLine.startsWith(start));
const received = (messages: TracedMessage[], start: string) =>
  messages.filter((m) => m.direction === 'received' && m.startLine.startsWith(start));
const receivedStatus = (messages: TracedMessage[], status: number, method?: string) =>
  messages.filter(
    (m) => m.direction === 'received' && m.status === status && (!method || one(m, 'cseq').endsWith(method)),
  );

function passed(run: B2buaSippRun): void {
  expect(run.result.failed, `${describeSipp(run.result)}\n${run.node.report()}`).toBe(0);
  expect(run.result.successful).toBe(1);
}

describe.skipIf(!sipp)(
  suiteTitle('B2BUA interop: PRACK, UPDATE, glare and 422 between SIPp caller and callee', [
    sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  ]),
  () => {
    const bin = sipp!;
    const scratch = mkdtempSync(join(tmpdir(), 'sb-b2bua-dialogs-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const call = (uac: string | undefined, uas: string) => b2buaSippCall(bin, scratch, uac, uas);

    it('relays reliable provisionals hop by hop and UPDATE in the early and the confirmed dialog', {
      timeout: 60_000,
    }, async () => {
      const run = await call('b2bua-prack-caller.xml', 'b2bua-prack-callee.xml');
      passed(run);
      const calleeInvite = received(run.callee, 'INVITE')[0];
      const calleeCallId = one(calleeInvite, 'call-id');
      const callerCallId = one(sent(run.caller, 'INVITE')[0], 'call-id');
      // The callee leg: the node PRACKed the callee's RSeq 1 and 2, in the callee's dialog.
      const calleePracks = received(run.callee, 'PRACK');
      const inviteSeq = one(calleeInvite, 'cseq').split(' ')[0];
      expect(calleePracks.map((m) => one(m, 'rack'))).toEqual([
        `1 ${inviteSeq} INVITE`,
        `2 ${inviteSeq} INVITE`,
      ]);
      for (const prack of calleePracks) expect(one(prack, 'call-id')).toBe(calleeCallId);
      // The caller leg: reliable 183 (with the SDP) and 180 of the node's own, RSeq one apart,
      // each PRACKed by the caller and answered 200 by the node.
      const early = [...receivedStatus(run.caller, 183), ...receivedStatus(run.caller, 180)];
      expect(early.map((m) => one(m, 'require'))).toEqual(['100rel', '100rel']);
      const [rseq183, rseq180] = early.map((m) => Number(one(m, 'rseq')));
      expect(rseq180).toBe(rseq183! + 1);
      expect(one(early[0], 'call-id')).toBe(callerCallId);
      expect(early[0]!.raw).toContain('m=audio');
      expect(receivedStatus(run.caller, 200, 'PRACK')).toHaveLength(2);
      // Both UPDATEs crossed to the callee's dialog; the first before the callee answered.
      const updates = received(run.callee, 'UPDATE');
      expect(updates).toHaveLength(2);
      for (const update of updates) {
        expect(one(update, 'call-id')).toBe(calleeCallId);
        expect(tagOf(one(update, 'to'))).toBe(tagOf(one(sent(run.callee, 'SIP/2.0 183')[0], 'to')));
      }
      expect(updates[0]!.raw).toContain('s=early-update');
      expect(run.callee.indexOf(updates[0]!)).toBeLessThan(
        run.callee.findIndex(
          (m) => m.direction === 'sent' && m.status === 200 && one(m, 'cseq').endsWith('INVITE'),
        ),
      );
      expect(receivedStatus(run.caller, 200, 'UPDATE').map((m) => m.raw.includes('m=audio'))).toEqual([
        true,
        true,
      ]);
      expect(endedCalls(run.metrics, 'answered')).toBe(1);
      expect(run.cdrs).toHaveLength(1);
      expect(run.cdrs[0]).toMatchObject({ status: 200, hangup: 'caller', disposition: 'answered' });
    });

    it("PRACKs a callee's reliable 183 for a caller without 100rel, who gets it unreliably", {
      timeout: 60_000,
    }, async () => {
      const run = await call(undefined, 'b2bua-reliable-callee.xml');
      passed(run);
      expect(received(run.callee, 'PRACK')).toHaveLength(1);
      const progress = receivedStatus(run.caller, 183);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      for (const m of progress) {
        expect(one(m, 'rseq')).toBe('');
        expect(one(m, 'require')).not.toContain('100rel');
      }
      expect(sent(run.caller, 'PRACK')).toHaveLength(0);
      expect(run.cdrs[0]).toMatchObject({ status: 200, disposition: 'answered' });
    });

    it("carries a delayed offer's answer from the caller's PRACK to the callee's (RFC 3262 §5)", {
      timeout: 60_000,
    }, async () => {
      const run = await call('b2bua-delayed-offer-prack-caller.xml', 'b2bua-reliable-callee.xml');
      passed(run);
      expect(received(run.callee, 'INVITE')[0]!.raw).not.toContain('m=audio');
      const offer = receivedStatus(run.caller, 183);
      expect(offer).toHaveLength(1);
      expect(offer[0]!.raw).toContain('m=audio');
      const calleePrack = received(run.callee, 'PRACK');
      expect(calleePrack).toHaveLength(1);
      expect(calleePrack[0]!.raw).toContain('s=prack-answer');
      expect(run.cdrs[0]).toMatchObject({ status: 200, disposition: 'answered' });
    });

    it('answers re-INVITE glare with 491 on both legs and relays both retries', {
      timeout: 60_000,
    }, async () => {
      const run = await call('b2bua-glare-caller.xml', 'b2bua-glare-callee.xml');
      passed(run);
      // The callee's own re-INVITE met the node's pending one: 491 from the node (§14.2).
      expect(receivedStatus(run.callee, 491, 'INVITE')).toHaveLength(1);
      // The callee's 491 to the node's re-INVITE came back to the caller as 491.
      expect(receivedStatus(run.caller, 491, 'INVITE')).toHaveLength(1);
      // Retries: the caller's second re-INVITE reached the callee, the callee's reached the caller.
      const atCallee = received(run.callee, 'INVITE').map((m) => m.raw);
      expect(atCallee.filter((b) => b.includes('s=caller-reinvite-retry'))).toHaveLength(1);
      const atCaller = received(run.caller, 'INVITE').map((m) => m.raw);
      expect(atCaller.filter((b) => b.includes('s=callee-reinvite-retry'))).toHaveLength(1);
      expect(receivedStatus(run.callee, 200, 'INVITE')).toHaveLength(1);
      expect(run.cdrs[0]).toMatchObject({ status: 200, hangup: 'caller', disposition: 'answered' });
    });

    it('answers a too short Session-Expires with 422 and retries the callee leg after its 422', {
      timeout: 60_000,
    }, async () => {
      const run = await call('b2bua-422-caller.xml', 'b2bua-422-callee.xml');
      passed(run);
      const tooSmall = receivedStatus(run.caller, 422, 'INVITE');
      expect(tooSmall.map((m) => one(m, 'min-se'))).toEqual(['90']);
      // The callee leg: one Call-ID and From tag, CSeq one up, 1800 s then the callee's 3600 s.
      const invites = received(run.callee, 'INVITE');
      expect(invites).toHaveLength(2);
      const [first, retry] = invites as [TracedMessage, TracedMessage];
      expect(one(retry, 'call-id')).toBe(one(first, 'call-id'));
      expect(tagOf(one(retry, 'from'))).toBe(tagOf(one(first, 'from')));
      expect(Number(one(retry, 'cseq').split(' ')[0])).toBe(Number(one(first, 'cseq').split(' ')[0]) + 1);
      expect(one(first, 'session-expires')).toMatch(/^1800\b/);
      expect(one(retry, 'session-expires')).toMatch(/^3600\b/);
      expect(one(retry, 'min-se')).toBe('3600');
      // One call for the caller (its second INVITE), answered: one CDR.
      expect(run.cdrs).toHaveLength(1);
      expect(run.cdrs[0]).toMatchObject({ status: 200, disposition: 'answered' });
      expect(run.cdrs[0]!.calleeCallId).toBe(one(first, 'call-id'));
    });
  },
);
