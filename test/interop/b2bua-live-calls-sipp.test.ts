import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilDefined } from '../support/until.js';
import { runSippCaller, type SippCallee, signallingB2buaEnv, startSippCallee } from './b2bua-sipp-legs.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { describeSipp, type SippResult } from './sipp.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

/** A call in progress as GET /v1/calls and `switchboard calls --json` give it. */
interface LiveCall {
  id: string;
  state: string;
  answerAt?: string;
  legs: Array<{ side: string; callId: string; state: string }>;
}

/** A CDR as GET /v1/cdrs/{id} gives it. */
interface Cdr {
  id: string;
  callerCallId: string;
  calleeCallId: string;
  status: number;
  cause: number;
  hangup: string;
  disposition: string;
  answerAt?: string;
  endAt: string;
  reason?: string;
}

const API_REASON = 'SIP;cause=200;text="Call ended through the API"';

// SIPp caller → a node whose B2BUA takes every call → SIPp's built-in uas (answers, waits for BYE).
// The caller's scenario answers the BYE the node sends when the call is hung up through the API.
const sipp = requirePeer('sipp', 'sip-tester');

describe.skipIf(!sipp)(
  suiteTitle('Live calls and restarts: SIPp caller → node (b2bua.mode all) → SIPp callee', [
    sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  ]),
  () => {
    const bin = sipp!;
    const domain = 'calls.test';
    let uas: SippCallee;
    let prepared: Awaited<ReturnType<typeof prepareTrunkNode>>;
    let node: TrunkNode | undefined;
    let env: Record<string, string>;

    beforeAll(async () => {
      uas = await startSippCallee(bin);
      prepared = await prepareTrunkNode();
      env = signallingB2buaEnv(uas);
      node = await startTrunkNode(prepared, { domain, env });
    }, 30_000);
    afterAll(async () => {
      await uas?.stop();
      await node?.stop();
      node?.cleanup();
    });

    /** One call of the caller scenario; it fails by itself `byeWaitMs` after its ACK when no BYE comes. */
    const placeCall = (byeWaitMs: number): Promise<SippResult> =>
      runSippCaller(bin, node!.port, {
        scenario: 'b2bua-caller-hung-up.xml',
        recvTimeoutMs: byeWaitMs,
        timeoutS: 40,
        deadlineMs: 45_000,
      });

    const answeredCall = () =>
      untilDefined(
        async () => {
          const { body } = await node!.get<LiveCall[]>('/v1/calls');
          return body.find((c) => c.state === 'answered');
        },
        10_000,
        'an answered call in GET /v1/calls',
        100,
      );

    it('lists the call with its legs over the API and the CLI, and hangs it up from the CLI', {
      timeout: 60_000,
    }, async () => {
      const caller = placeCall(20_000);
      await answeredCall();
      // The call is answered once its 200 leaves for the caller; the caller's leg is confirmed when
      // SIPp's ACK arrives (RFC 3261 §13.3.1.4), a moment later on a loaded machine.
      const call = await untilDefined(
        async () => {
          const { body } = await node!.get<LiveCall[]>('/v1/calls');
          return body.find((c) => c.legs.every((l) => l.state === 'confirmed'));
        },
        10_000,
        'both legs confirmed in GET /v1/calls',
        100,
      );
      expect(call.state).toBe('answered');
      expect(call.legs.map((l) => [l.side, l.state])).toEqual([
        ['caller', 'confirmed'],
        ['callee', 'confirmed'],
      ]);
      expect(call.legs[0]!.callId).not.toBe(call.legs[1]!.callId);
      const listed = JSON.parse(await node!.cliApi(['calls', '--json'])) as LiveCall[];
      expect(listed.map((c) => c.id)).toEqual([call.id]);
      expect((await node!.get<LiveCall>(`/v1/calls/${call.id}`)).body.legs).toEqual(call.legs);

      const said = await node!.cliApi(['calls', 'hangup', call.id]);
      expect(said).toContain(`hanging up call ${call.id}`);
      expect(said).toContain('BYE sent to both legs');
      // The caller got the node's BYE and answered it: its one call succeeded.
      const result = await caller;
      expect(result.successful, describeSipp(result)).toBe(1);
      const cdr = await untilDefined(
        async () => {
          const got = await node!.get<Cdr>(`/v1/cdrs/${call.id}`);
          return got.status === 200 ? got.body : undefined;
        },
        10_000,
        'the CDR of the hung-up call',
        100,
      );
      expect(cdr).toMatchObject({
        callerCallId: call.legs[0]!.callId,
        calleeCallId: call.legs[1]!.callId,
        status: 200,
        hangup: 'node',
        disposition: 'answered',
        reason: API_REASON,
      });
      expect((await node!.get<LiveCall[]>('/v1/calls')).body).toEqual([]);
      const gone = await node!.get<{ error: { message: string } }>(`/v1/calls/${call.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error.message).toContain(`GET /v1/cdrs/${call.id}`);
    });

    it("a node killed mid-call (SIGKILL) writes the call's CDR as interrupted at its next start", {
      timeout: 90_000,
    }, async () => {
      // No BYE will come once the node is dead: the caller gives up 8 s after its ACK.
      const caller = placeCall(8_000);
      const call = await answeredCall();
      // The journal has the call's answer (written as it happened, read from the node's own file).
      const file = join(prepared.dataDir, 'switchboard.db');
      await untilDefined(
        async () => {
          const db = new Database(file, { readonly: true, fileMustExist: true });
          try {
            const row = db.prepare('select answer_at from call_journal where id = ?').get(call.id) as
              | { answer_at: number | null }
              | undefined;
            return row?.answer_at ? row : undefined;
          } finally {
            db.close();
          }
        },
        10_000,
        'the journal record of the answered call',
        100,
      );

      const first = node!;
      first.child.process.kill('SIGKILL');
      expect((await first.child.exited).signal).toBe('SIGKILL');
      const result = await caller;
      expect(result.failed, describeSipp(result)).toBe(1);

      node = await startTrunkNode(prepared, {
        domain,
        env,
        ports: { port: first.port, apiPort: first.apiPort },
      });
      const cdr = (await node.get<Cdr>(`/v1/cdrs/${call.id}`)).body;
      expect(cdr).toMatchObject({
        id: call.id,
        callerCallId: call.legs[0]!.callId,
        calleeCallId: call.legs[1]!.callId,
        status: 200,
        cause: 41,
        hangup: 'node',
        disposition: 'interrupted',
        answerAt: call.answerAt,
        reason: 'Q.850;cause=41;text="Node restarted"',
      });
      // It ends when the node last saw the call: its answer or a later heartbeat, never after the kill.
      expect(Date.parse(cdr.endAt)).toBeGreaterThanOrEqual(Date.parse(call.answerAt!));
      const listed = JSON.parse(
        await node.cli(['cdr', 'list', '--disposition', 'interrupted', '--json']),
      ) as {
        cdrs: Cdr[];
      };
      expect(listed.cdrs.map((c) => c.id)).toEqual([call.id]);
      const csv = await node.cli(['cdr', 'export', '--disposition', 'interrupted']);
      expect(csv.split('\r\n').filter((line) => line.startsWith(call.id))).toHaveLength(1);
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toMatch(/^switchboard_b2bua_calls_interrupted_total 1$/m);
      expect(node.child.stdoutTail + node.child.stderrTail).toContain('written as interrupted CDRs');
      // Nothing left open: the hung-up call's record went with its CDR, the killed one's at recovery.
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('select count(*) as n from call_journal').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    });
  },
);
