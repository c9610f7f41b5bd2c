import { describe, expect, it } from 'vitest';
import { isType, sleep, useBaresipCall } from './baresip-call-fixture.js';
import { type FeatureNode, startFeatureNode } from './features-node.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, registrarUnderTest } from './registrar-process.js';

// Call forwarding with real phones (Debian's baresip 1.0.0): alice, bob and carol register with
// digest credentials; bob forwards every call to carol (CFU), then only when he is not reachable
// (CFNR, after bob's phone is gone). alice dials bob each time; carol's phone rings and answers.
const baresip = requirePeer('baresip', 'baresip');
const target = registrarUnderTest();
const baresipMissing = baresip ? undefined : missingPeerReason('baresip', 'baresip');

const ALICE = { username: 'alice', password: 'alice-Secret-1', toneHz: 800 };
const BOB = { username: 'bob', password: 'bob-Secret-2', toneHz: 800 };
const CAROL = { username: 'carol', password: 'carol-Secret-3', toneHz: 800 };

describe.skipIf(!baresip || target.unavailable || target.isKamailio)(
  suiteTitle('call forwarding with baresip phones through switchboard', [baresipMissing, target.unavailable]),
  () => {
    const call = useBaresipCall<FeatureNode>({
      name: 'features',
      baresip: baresip!,
      users: [ALICE, BOB, CAROL],
      setupTimeoutMs: 90_000,
      node: {
        start: () => startFeatureNode([ALICE, BOB, CAROL]),
        report: (node) => node.child.report(),
        async stop(node) {
          await node.stop();
        },
      },
    });
    const reports = (): string => call.report();

    /** alice dials bob; carol's phone answers; alice hangs up. */
    async function aliceCallsBobAndCarolAnswers(): Promise<void> {
      const [alice, bob, carol] = [call.phone(ALICE), call.phone(BOB), call.phone(CAROL)];
      const mark = { alice: alice.events.length, bob: bob.events.length, carol: carol.events.length };
      const dialed = await alice.command('dial', `sip:bob@${DOMAIN}`);
      expect(dialed.ok, `dial: ${dialed.data}\n${reports()}`).toBe(true);
      await carol.waitForEvent(isType('CALL_ESTABLISHED', alice.aor), 15_000, mark.carol);
      await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, mark.alice);
      await sleep(1_000);
      expect((await alice.command('hangup')).ok).toBe(true);
      await alice.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.alice);
      await carol.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.carol);
      expect(
        bob.events.slice(mark.bob).filter((e) => e.type.startsWith('CALL_')),
        reports(),
      ).toEqual([]);
    }

    it('CFU: bob forwards every call to carol; carol answers alice', async () => {
      await call.node.cli(['feature', 'set', 'bob@example.com', '--forward-always', 'carol']);
      await aliceCallsBobAndCarolAnswers();
    }, 60_000);

    it("CFNR: bob's phone is gone (unregistered); his calls reach carol", async () => {
      await call.node.cli(['feature', 'clear', 'bob@example.com']);
      await call.node.cli([
        'feature',
        'set',
        'bob@example.com',
        '--forward-unreachable',
        'sip:carol@example.com',
      ]);
      await call.phone(BOB).stop();
      await call.node.unregister(BOB);
      await aliceCallsBobAndCarolAnswers();
    }, 60_000);
  },
);
