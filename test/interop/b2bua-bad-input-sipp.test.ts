import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type B2buaNode, startB2buaNode } from './b2bua-node.js';
import { runSippCaller, startSippCallee } from './b2bua-sipp-legs.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { describeSipp, type SippResult } from './sipp.js';
import { headerValues, type TracedMessage } from './sipp-messages.js';

// The issue's bad input on the wire: SIPp caller → node (b2bua.mode all, media anchored on the
// built-in relay) → SIPp callee, where one side misbehaves: garbage SDP, a callee that never
// answers, a callee that answers twice. Each time the right answer reaches the caller (the
// scenarios check statuses and Reasons), one CDR is written, and /metrics shows no call, UA
// timer, relay session or relay port left. (BYE during a re-INVITE and re-INVITE floods are proven against
// the UA core's transactions in test/unit/b2bua/bad-input.test.ts.)
const sipp = requirePeer('sipp', 'sip-tester');

interface Run {
  result: SippResult;
  callee: TracedMessage[];
  b2bua: B2buaNode;
  report(): string;
}

describe.skipIf(!sipp)(
  suiteTitle('B2BUA bad input with SIPp on both legs', [
    sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  ]),
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'sb-bad-input-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const running: B2buaNode[] = [];
    afterAll(async () => {
      for (const b2bua of running) await b2bua.stop();
    });

    /** One call of `caller` (a scenario, or SIPp's own uac holding the call) to a callee running `calleeScenario`. */
    async function run(
      caller: { scenario: string } | { pauseMs: number },
      calleeScenario: string,
      env: Record<string, string> = {},
    ): Promise<Run> {
      const bin = sipp!;
      const uas = await startSippCallee(bin, {
        scenario: calleeScenario,
        traceFile: join(scratch, `${calleeScenario}.log`),
      });
      try {
        const b2bua = await startB2buaNode({
          relay: 'builtin',
          env: { SWITCHBOARD_PROXY_DEFAULT_ROUTE: uas.route, ...env },
        });
        running.push(b2bua);
        const result = await runSippCaller(bin, b2bua.node.port, {
          ...caller,
          recvTimeoutMs: 30_000,
          timeoutS: 45,
          deadlineMs: 60_000,
          trace: true,
        });
        // The last messages (the callee's BYE answers, the CDR write) settle.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await uas.stop();
        const callee = uas.messages();
        return {
          result,
          callee,
          b2bua,
          report: () =>
            `${describeSipp(result)}\n--- callee ---\n${callee.map((m) => `${m.direction} ${m.startLine}`).join('\n')}\n${b2bua.report()}`,
        };
      } finally {
        await uas.stop();
      }
    }

    async function nothingLeft(run: Run): Promise<void> {
      const left = await run.b2bua.leftovers();
      expect(left, run.report()).toEqual({ calls: 0, uaTimers: 0, relaySessions: 0, relayPorts: 0 });
    }

    it('garbage SDP from the caller: 488 with a Reason, the callee never called, a failed CDR, nothing left', {
      timeout: 90_000,
    }, async () => {
      const r = await run({ scenario: 'b2bua-bad-sdp-caller.xml' }, 'b2bua-silent-callee.xml');
      expect(r.result.failed, r.report()).toBe(0);
      expect(r.result.successful, r.report()).toBe(1);
      expect(
        r.callee.filter((m) => m.direction === 'received'),
        r.report(),
      ).toEqual([]);
      const cdrs = await r.b2bua.cdrs(1);
      expect(cdrs, r.report()).toHaveLength(1);
      expect(cdrs[0]).toMatchObject({ status: 488, disposition: 'failed', hangup: 'node' });
      await nothingLeft(r);
    });

    it('a callee that never answers: CANCELled at Timer C, the caller gets 408, a no-answer CDR, nothing left', {
      timeout: 90_000,
    }, async () => {
      const r = await run({ scenario: 'b2bua-caller-unanswered.xml' }, 'b2bua-callee-rings.xml', {
        SWITCHBOARD_SIP_TIMER_C: '3000',
      });
      expect(r.result.failed, r.report()).toBe(0);
      expect(r.result.successful, r.report()).toBe(1);
      expect(
        r.callee.some((m) => m.direction === 'received' && m.startLine.startsWith('CANCEL')),
        r.report(),
      ).toBe(true);
      const cdrs = await r.b2bua.cdrs(1);
      expect(cdrs, r.report()).toHaveLength(1);
      expect(cdrs[0]).toMatchObject({ status: 408, disposition: 'no-answer' });
      await nothingLeft(r);
    });

    it('a callee that answers twice: the second 200 is ACKed and sent BYE at once, the call keeps the first', {
      timeout: 90_000,
    }, async () => {
      // SIPp's own uac holds the call 2 s, then hangs up.
      const r = await run({ pauseMs: 2000 }, 'b2bua-callee-answers-twice.xml');
      expect(r.result.failed, r.report()).toBe(0);
      expect(r.result.successful, r.report()).toBe(1);
      const received = r.callee
        .filter((m) => m.direction === 'received')
        .map((m) => m.startLine.split(' ')[0]);
      // The scenario checked the order of the BYEs: the second answer's first, the first's at hang-up.
      expect(received, r.report()).toEqual(['INVITE', 'ACK', 'ACK', 'BYE', 'BYE']);
      const cdrs = await r.b2bua.cdrs(1);
      expect(cdrs, r.report()).toHaveLength(1);
      expect(cdrs[0]).toMatchObject({ status: 200, disposition: 'answered', hangup: 'caller' });
      expect(cdrs[0]!.billableSeconds).toBeGreaterThanOrEqual(2);
      await nothingLeft(r);
    });

    it('a caller that floods re-INVITEs: each crossing one gets 500 with Retry-After, only the first reaches the callee', {
      timeout: 90_000,
    }, async () => {
      const r = await run(
        { scenario: 'b2bua-caller-floods-reinvites.xml' },
        'b2bua-callee-slow-reinvite.xml',
      );
      expect(r.result.failed, r.report()).toBe(0);
      expect(r.result.successful, r.report()).toBe(1);
      const invites = r.callee.filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE'));
      // The call's INVITE and one re-INVITE (retransmitted over UDP while the callee waits): the
      // crossing ones stayed on the caller's leg.
      const transactions = new Set(
        invites.map((m) => `${headerValues(m, 'cseq')[0]} ${headerValues(m, 'via')[0]}`),
      );
      expect([...transactions], r.report()).toHaveLength(2);
      const cdrs = await r.b2bua.cdrs(1);
      expect(cdrs, r.report()).toHaveLength(1);
      expect(cdrs[0]).toMatchObject({ status: 200, disposition: 'answered', hangup: 'caller' });
      await nothingLeft(r);
    });
  },
);
