import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  callReport,
  type FeatureNode,
  SCENARIOS,
  type SippPhone,
  startFeatureNode,
  startSippPhone,
  tracedMessages,
} from './features-node.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { repoRoot } from './repo.js';
import { type RtpengineProcess, rtpenginePeer, startRtpengine } from './rtpengine-process.js';
import { runSipp, type SippResult, sippPorts } from './sipp.js';

// Call and recording policies on the wire. alice (SIPp, digest) calls bob (a SIPp phone registered
// to the node) through a node whose b2bua.mode is off and whose media relay is a real rtpengine;
// which calls the B2BUA takes, and what they carry, comes from the policies set while it runs:
// bob's call policy (b2bua always, strip PCMA and G.729, ptime 30), then none (proxied), then alice's
// recording policy (the recorder forks the call from rtpengine; the CDR names the recording).
const sipp = requirePeer('sipp', 'sip-tester');
const engineBin = rtpenginePeer();

const ALICE = { username: 'alice', password: 'alice-Secret-1' };
const BOB = { username: 'bob', password: 'bob-Secret-2' };
// Ranges of their own: other interop files run rtpengine and recorders at the same time.
const ENGINE_PORTS = { min: 47200, max: 47399 };
const RECORDER_PORTS = { min: 47400, max: 47499 };

interface Cdr {
  id: string;
  disposition: string;
  recordingId?: string;
}

describe.skipIf(!sipp || !engineBin)(
  suiteTitle('B2BUA call and recording policies on the wire (SIPp, rtpengine)', [
    sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
    engineBin ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon'),
  ]),
  () => {
    const bin = sipp!;
    let engine: RtpengineProcess;
    let node: FeatureNode;
    const phones: SippPhone[] = [];

    beforeAll(async () => {
      engine = await startRtpengine(engineBin!, { portMin: ENGINE_PORTS.min, portMax: ENGINE_PORTS.max });
      node = await startFeatureNode([ALICE, BOB], [], {
        SWITCHBOARD_B2BUA_MODE: 'off',
        SWITCHBOARD_MEDIA_RELAY: 'rtpengine',
        SWITCHBOARD_MEDIA_RTPENGINE: engine.ngAddress,
        SWITCHBOARD_RECORDING_ADDRESS: '127.0.0.1',
        SWITCHBOARD_RECORDING_PORT_MIN: String(RECORDER_PORTS.min),
        SWITCHBOARD_RECORDING_PORT_MAX: String(RECORDER_PORTS.max),
      });
    }, 60_000);

    afterEach(async () => {
      for (const phone of phones.splice(0)) await phone.stop();
      await node.unregister(BOB);
    });

    afterAll(async () => {
      if (node) {
        const exit = await node.stop();
        expect(exit.killed, `switchboard ignored SIGTERM\n${node.child.report()}`).toBe(false);
      }
      if (engine) await engine.stop();
    });

    /** bob's phone answers one call; alice calls bob with four formats and sends a tone. */
    async function aliceCallsBob(): Promise<{ result: SippResult; bob: SippPhone; invite: string }> {
      const bob = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(bob);
      await node.register(BOB, bob.port);
      const ports = await sippPorts({ transport: 'udp' });
      const result = await runSipp(
        bin,
        [
          '-sf',
          join(SCENARIOS, 'b2bua-policy-caller.xml'),
          `127.0.0.1:${node.port}`,
          ...ports.args,
          '-s',
          'bob',
          '-au',
          'alice',
          '-ap',
          ALICE.password,
          '-m',
          '1',
          '-recv_timeout',
          '20000',
          '-timeout',
          '25',
        ],
        35_000,
        // rtp_stream opens the tone relative to SIPp's working directory.
        { traceMessages: true, cwd: repoRoot },
      );
      expect(result.successful, callReport(node, result, bob)).toBe(1);
      const invite = tracedMessages(bob.messages()).find((m) => /^INVITE /m.test(m));
      expect(invite, bob.messages()).toBeDefined();
      return { result, bob, invite: invite! };
    }

    const mediaOf = (sdp: string) => {
      const m = /^m=audio (\d+) RTP\/AVP ([\d ]+)\r?$/m.exec(sdp);
      return { port: Number(m?.[1]), formats: m?.[2]?.trim().split(' ') ?? [] };
    };
    const cdrs = async () => ((await node.api('GET', '/v1/cdrs')).body as { cdrs: Cdr[] }).cdrs;

    it("bob's call policy (b2bua always, strip PCMA and G.729, ptime 30): taken, anchored on rtpengine, the stripped codecs never reach bob's phone", {
      timeout: 60_000,
    }, async () => {
      expect(
        await node.cli([
          'subscriber',
          'policy',
          'set',
          'bob@example.com',
          '--b2bua',
          'always',
          '--strip',
          'PCMA,G729',
          '--ptime',
          '30',
        ]),
      ).toBe('subscriber bob@example.com: b2bua always, strip PCMA,G729, ptime 30\n');
      const { invite } = await aliceCallsBob();
      const media = mediaOf(invite);
      expect(media.formats, invite).toEqual(['0', '101']);
      expect(invite).not.toMatch(/PCMA|G729|annexb/);
      expect(invite).toContain('telephone-event/8000');
      expect(invite).toMatch(/^a=ptime:30\r?$/m);
      // The offer points at rtpengine, not at alice's SIPp.
      expect(media.port).toBeGreaterThanOrEqual(ENGINE_PORTS.min);
      expect(media.port).toBeLessThanOrEqual(ENGINE_PORTS.max);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const listed = await cdrs();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ disposition: 'answered' });
      expect(listed[0]?.recordingId).toBeUndefined();
    });

    it('no policy and b2bua.mode off: the call stays proxied, the SDP as alice sent it, no CDR', {
      timeout: 60_000,
    }, async () => {
      await node.cli(['subscriber', 'policy', 'clear', 'bob@example.com']);
      const before = (await cdrs()).length;
      const { invite } = await aliceCallsBob();
      expect(mediaOf(invite).formats).toEqual(['0', '8', '18', '101']);
      expect(mediaOf(invite).port).toBeLessThan(ENGINE_PORTS.min);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await cdrs()).toHaveLength(before);
    });

    it("alice's recording policy: her call is taken (mode off), rtpengine forks it to the recorder, the CDR names the recording", {
      timeout: 60_000,
    }, async () => {
      const put = await node.api('PUT', '/v1/recording-policies/alice@example.com', { store: true });
      expect(put.status).toBe(201);
      await aliceCallsBob();
      // The CDR waits for the recording to stop (its id goes in it).
      let newest: Cdr | undefined;
      for (let i = 0; i < 40 && newest?.recordingId === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        newest = (await cdrs()).find((c) => c.recordingId !== undefined);
      }
      expect(newest?.recordingId, node.child.report()).toBeDefined();
      expect(newest).toMatchObject({ disposition: 'answered' });
      const recording = await node.api('GET', `/v1/recordings/${newest!.recordingId}`);
      expect(recording.status).toBe(200);
      const summary = recording.body as { callId: string; status: string; legs: unknown[]; source: string };
      expect(summary).toMatchObject({ callId: newest!.id, source: 'media-server', status: 'stopped' });
      // rtpengine forked both sides of the call: two legs, alice's tone on one of them.
      expect(summary.legs).toHaveLength(2);
      const metadata = (await node.api('GET', `/v1/recordings/${newest!.recordingId}/metadata`)).body as {
        statistics?: Array<{ packets: number }>;
      };
      const packets = (metadata.statistics ?? []).map((l) => l.packets);
      expect(Math.max(0, ...packets), JSON.stringify(metadata)).toBeGreaterThan(50);
      const metrics = await node.metrics();
      expect(metrics).toMatch(/^switchboard_b2bua_calls_recorded_total 1$/m);
      expect(metrics).not.toMatch(/^switchboard_b2bua_calls_unrecorded_total\{/m);
    });
  },
);
