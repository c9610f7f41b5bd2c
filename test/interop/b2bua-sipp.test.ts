import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b2buaSippCall, endedCalls as ended, one, tagOf as tag } from './b2bua-sipp-call.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { describeSipp } from './sipp.js';
import { headerValues, type TracedMessage } from './sipp-messages.js';

// SIPp caller → a node whose B2BUA takes every call (b2bua.mode all) → SIPp callee behind the
// node's default route. What each side sees on the wire is read from SIPp's message traces.
const sipp = requirePeer('sipp', 'sip-tester');

describe.skipIf(!sipp)(
  suiteTitle('B2BUA interop: SIPp caller → node (b2bua.mode all) → SIPp callee', [
    sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  ]),
  () => {
    const bin = sipp!;
    const scratch = mkdtempSync(join(tmpdir(), 'sb-b2bua-sipp-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    const call = (uac: string | undefined, uas: string | undefined, calls = 1) =>
      b2buaSippCall(bin, scratch, uac, uas, calls);

    let basic: Awaited<ReturnType<typeof call>>;
    beforeAll(async () => {
      basic = await call(undefined, undefined, 3);
    }, 60_000);

    it('completes calls through the B2BUA, the caller hanging up (SIPp uac → uas)', () => {
      expect(basic.result.failed, `${describeSipp(basic.result)}\n${basic.node.report()}`).toBe(0);
      expect(basic.result.successful).toBe(3);
      expect(ended(basic.metrics, 'answered')).toBe(3);
      // One CDR per call, over REST and from the CLI alike, naming both legs' Call-IDs.
      expect(basic.cdrs).toHaveLength(3);
      expect(basic.cliCdrs.map((c) => c.id).sort()).toEqual(basic.cdrs.map((c) => c.id).sort());
      const sent = new Set(
        basic.caller
          .filter((m) => m.direction === 'sent' && m.startLine.startsWith('INVITE'))
          .map((m) => one(m, 'call-id')),
      );
      const got = new Set(
        basic.callee
          .filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE'))
          .map((m) => one(m, 'call-id')),
      );
      for (const cdr of basic.cdrs) {
        expect(cdr).toMatchObject({ status: 200, cause: 16, hangup: 'caller', disposition: 'answered' });
        expect(cdr.answerAt).toBeDefined();
        expect(sent.has(cdr.callerCallId)).toBe(true);
        expect(got.has(cdr.calleeCallId)).toBe(true);
      }
    });

    it("shows the callee a Call-ID, From tag, Via and Contact of the node's own, none of the caller's", () => {
      const sentInvites = basic.caller.filter(
        (m) => m.direction === 'sent' && m.startLine.startsWith('INVITE'),
      );
      const gotInvites = basic.callee.filter(
        (m) => m.direction === 'received' && m.startLine.startsWith('INVITE'),
      );
      expect(sentInvites).toHaveLength(3);
      expect(gotInvites).toHaveLength(3);
      const callerPort = one(sentInvites[0], 'via').match(/:(\d+);/)?.[1];
      const callerCallIds = new Set(sentInvites.map((m) => one(m, 'call-id')));
      const callerTags = new Set(sentInvites.map((m) => tag(one(m, 'from'))));
      for (const invite of gotInvites) {
        expect(callerCallIds.has(one(invite, 'call-id'))).toBe(false);
        expect(callerTags.has(tag(one(invite, 'from')))).toBe(false);
        for (const via of headerValues(invite, 'via')) {
          expect(via).toContain(`127.0.0.1:${basic.node.port}`);
          expect(via).not.toContain(`:${callerPort}`);
        }
        expect(one(invite, 'contact')).toContain(`127.0.0.1:${basic.node.port}`);
        expect(one(invite, 'contact')).not.toContain(`:${callerPort}`);
      }
      // And back: the caller sees neither the callee's tag nor its Contact.
      const calleeOks = basic.callee.filter((m) => m.direction === 'sent' && m.status === 200);
      const callerOks = basic.caller.filter((m) => m.direction === 'received' && m.status === 200);
      const calleeTags = new Set(calleeOks.map((m) => tag(one(m, 'to'))));
      for (const ok of callerOks.filter((m) => one(m, 'cseq').endsWith('INVITE'))) {
        expect(calleeTags.has(tag(one(ok, 'to')))).toBe(false);
        expect(one(ok, 'contact')).toContain(`127.0.0.1:${basic.node.port}`);
      }
      // Each BYE of the caller became a BYE on the callee's side, in the node's dialog.
      const byes = basic.callee.filter((m) => m.direction === 'received' && m.startLine.startsWith('BYE'));
      expect(byes).toHaveLength(3);
      for (const bye of byes) expect(callerCallIds.has(one(bye, 'call-id'))).toBe(false);
    });

    it("carries the callee's BYE to the caller", { timeout: 60_000 }, async () => {
      const leg = await call('b2bua-caller-hung-up.xml', 'b2bua-callee-hangs-up.xml');
      expect(leg.result.failed, `${describeSipp(leg.result)}\n${leg.node.report()}`).toBe(0);
      expect(leg.result.successful).toBe(1);
      const bye = leg.caller.find((m) => m.direction === 'received' && m.startLine.startsWith('BYE'));
      const invite = leg.caller.find((m) => m.direction === 'sent' && m.startLine.startsWith('INVITE'));
      expect(one(bye, 'call-id')).toBe(one(invite, 'call-id'));
      expect(ended(leg.metrics, 'answered')).toBe(1);
      expect(leg.cdrs).toHaveLength(1);
      expect(leg.cdrs[0]).toMatchObject({ status: 200, hangup: 'callee', disposition: 'answered' });
    });

    it("turns the caller's CANCEL into a CANCEL of the callee leg and 487 for the caller", {
      timeout: 60_000,
    }, async () => {
      const leg = await call('b2bua-caller-cancels.xml', 'b2bua-callee-rings.xml');
      expect(leg.result.failed, `${describeSipp(leg.result)}\n${leg.node.report()}`).toBe(0);
      expect(leg.result.successful).toBe(1);
      expect(leg.callee.some((m) => m.direction === 'received' && m.startLine.startsWith('CANCEL'))).toBe(
        true,
      );
      expect(ended(leg.metrics, 'cancelled')).toBe(1);
      expect(leg.cdrs).toHaveLength(1);
      expect(leg.cdrs[0]).toMatchObject({
        status: 487,
        hangup: 'caller',
        disposition: 'cancelled',
        billableSeconds: 0,
      });
      expect(leg.cdrs[0]!.answerAt).toBeUndefined();
    });

    it('blind transfer (RFC 3515): the caller REFERs the callee to carol, NOTIFYs 100/180/200, the callee joins carol', {
      timeout: 60_000,
    }, async () => {
      const leg = await call('b2bua-transfer-referrer.xml', 'b2bua-transfer-parties.xml');
      expect(leg.result.failed, `${describeSipp(leg.result)}\n${leg.node.report()}`).toBe(0);
      expect(leg.result.successful).toBe(1);
      const received = (who: typeof leg.callee, method: string) =>
        who.filter((m) => m.direction === 'received' && m.startLine.startsWith(method));
      // The far side got bob's INVITE, then the transfer's (Referred-By, no offer, its own Call-ID),
      // then the re-INVITE in bob's dialog carrying carol's offer; carol's ACK carried bob's answer.
      const invites = received(leg.callee, 'INVITE');
      expect(invites).toHaveLength(3);
      const [bob, carol, reinvite] = invites as [TracedMessage, TracedMessage, TracedMessage];
      expect(one(carol, 'referred-by')).toContain('alice@example.com');
      expect(one(carol, 'call-id')).not.toBe(one(bob, 'call-id'));
      expect(one(reinvite, 'call-id')).toBe(one(bob, 'call-id'));
      const notifies = received(leg.caller, 'NOTIFY');
      expect(notifies.map((n) => one(n, 'subscription-state'))).toEqual([
        'active;expires=60',
        'active;expires=60',
        'terminated;reason=noresource',
      ]);
      expect(notifies.map((n) => one(n, 'event'))).toEqual(['refer;id=2', 'refer;id=2', 'refer;id=2']);
      // Two CDRs: alice→bob ended by alice's side (the transfer), and the transfer's bob↔carol call.
      expect(leg.cdrs).toHaveLength(2);
      const original = leg.cdrs.find((c) => c.calleeCallId === one(bob, 'call-id'));
      const transferred = leg.cdrs.find((c) => c.calleeCallId === one(carol, 'call-id'));
      expect(original).toMatchObject({ status: 200, hangup: 'caller', disposition: 'answered' });
      expect(transferred).toMatchObject({ status: 200, hangup: 'caller', disposition: 'answered' });
      expect(transferred!.callerCallId).toBe(one(bob, 'call-id'));
      expect(leg.metrics).toMatch(/switchboard_b2bua_transfers_total\{kind="blind",result="completed"\} 1/);
    });

    it('answers the caller 486 when the callee is busy', { timeout: 60_000 }, async () => {
      const leg = await call('b2bua-caller-refused.xml', 'features-phone-busy.xml');
      expect(leg.result.failed, `${describeSipp(leg.result)}\n${leg.node.report()}`).toBe(0);
      expect(leg.result.successful).toBe(1);
      const busy = leg.caller.find((m) => m.direction === 'received' && m.status === 486);
      expect(one(busy, 'reason')).toMatch(/^SIP;cause=486/);
      expect(ended(leg.metrics, 'busy')).toBe(1);
      expect(leg.cdrs).toHaveLength(1);
      expect(leg.cdrs[0]).toMatchObject({ status: 486, cause: 17, hangup: 'callee', disposition: 'busy' });
    });
  },
);
