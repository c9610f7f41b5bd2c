import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaresipEvent, BaresipUa } from './baresip-process.js';
import { type FeatureNode, startFeatureNode } from './features-node.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, registrarUnderTest } from './registrar-process.js';
import { writeToneWav } from './wav.js';

// Call forwarding with real phones (Debian's baresip 1.0.0): alice, bob and carol register with
// digest credentials; bob forwards every call to carol (CFU), then only when he is not reachable
// (CFNR, after bob's phone is gone). alice dials bob each time; carol's phone rings and answers.
const baresip = requirePeer('baresip', 'baresip');
const target = registrarUnderTest();
const baresipMissing = baresip ? undefined : missingPeerReason('baresip', 'baresip');

const ALICE = { username: 'alice', password: 'alice-Secret-1' };
const BOB = { username: 'bob', password: 'bob-Secret-2' };
const CAROL = { username: 'carol', password: 'carol-Secret-3' };

const isType =
  (type: string, peer?: string) =>
  (e: BaresipEvent): boolean =>
    e.type === type && (peer === undefined || e.peeruri === peer);

describe.skipIf(!baresip || target.unavailable || target.isKamailio)(
  suiteTitle('call forwarding with baresip phones through switchboard', [baresipMissing, target.unavailable]),
  () => {
    let node: FeatureNode;
    let toneDir: string;
    const uas: Record<string, BaresipUa> = {};
    const reports = () =>
      `${Object.values(uas)
        .map((ua) => ua.report())
        .join('\n\n')}\n\n${node?.child.report()}`;

    beforeAll(async () => {
      toneDir = mkdtempSync(join(tmpdir(), 'sb-tones-'));
      writeToneWav(join(toneDir, 'tone.wav'), 800, 30);
      node = await startFeatureNode([ALICE, BOB, CAROL]);
      for (const user of [ALICE, BOB, CAROL]) {
        uas[user.username] = await BaresipUa.start(baresip!, {
          name: user.username,
          user: user.username,
          password: user.password,
          domain: DOMAIN,
          registrarPort: node.port,
          toneWav: join(toneDir, 'tone.wav'),
          autoAnswer: true,
        });
      }
      for (const ua of Object.values(uas)) await ua.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
    }, 90_000);

    afterAll(async () => {
      for (const ua of Object.values(uas)) {
        await ua.stop();
        ua.cleanup();
      }
      if (node) await node.stop();
      if (toneDir) rmSync(toneDir, { recursive: true, force: true });
    });

    /** alice dials bob; carol's phone answers; alice hangs up. */
    async function aliceCallsBobAndCarolAnswers(): Promise<void> {
      const { alice, bob, carol } = uas as Record<'alice' | 'bob' | 'carol', BaresipUa>;
      const mark = { alice: alice.events.length, bob: bob.events.length, carol: carol.events.length };
      const dialed = await alice.command('dial', `sip:bob@${DOMAIN}`);
      expect(dialed.ok, `dial: ${dialed.data}\n${reports()}`).toBe(true);
      await carol.waitForEvent(isType('CALL_ESTABLISHED', alice.aor), 15_000, mark.carol);
      await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, mark.alice);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await alice.command('hangup')).ok).toBe(true);
      await alice.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.alice);
      await carol.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.carol);
      expect(
        bob.events.slice(mark.bob).filter((e) => e.type.startsWith('CALL_')),
        reports(),
      ).toEqual([]);
    }

    it('CFU: bob forwards every call to carol; carol answers alice', async () => {
      await node.cli(['feature', 'set', 'bob@example.com', '--forward-always', 'carol']);
      await aliceCallsBobAndCarolAnswers();
    }, 60_000);

    it("CFNR: bob's phone is gone (unregistered); his calls reach carol", async () => {
      await node.cli(['feature', 'clear', 'bob@example.com']);
      await node.cli(['feature', 'set', 'bob@example.com', '--forward-unreachable', 'sip:carol@example.com']);
      await uas['bob']!.stop();
      await node.unregister(BOB);
      await aliceCallsBobAndCarolAnswers();
    }, 60_000);
  },
);
