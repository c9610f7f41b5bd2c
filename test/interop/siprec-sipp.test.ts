import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import type { RecordingEvent } from '../../src/events/index.js';
import { parseWav } from '../../src/media/wav/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { buildMultipart } from '../../src/recording/siprec/index.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { repoRoot } from './repo.js';
import { describeSipp, runSipp, sippPorts } from './sipp.js';
import { toneReport } from './wav.js';

// Switchboard as a SIPREC recording server (RFC 7866) for SIPp acting as the recording client:
// a multipart INVITE with SDP and RFC 7865 metadata, RTP from SIPp's rtp_stream on the label 1
// stream, a re-INVITE with a partial metadata update (bob leaves, carol takes over label 2), BYE.
const sipp = requirePeer('sipp', 'sip-tester');
const missing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');
const RECORDER_PORTS = { min: 47000, max: 47199 };

/** One request over UDP; resolves with the first final response's status line. */
async function finalStatus(port: number, message: string): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const local = socket.address().port;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no final response')), 5000);
      socket.on('message', (data) => {
        const line = data.toString('latin1').split('\r\n')[0]!;
        if (/^SIP\/2\.0 [2-6]/.test(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      socket.send(Buffer.from(message.replaceAll('LOCALPORT', String(local)), 'latin1'), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

function invite(port: number, headers: string[], contentType: string, body: Buffer): string {
  const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
  return (
    `INVITE sip:srs@127.0.0.1:${port} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:LOCALPORT;branch=${branch};rport\r\n` +
    `From: <sip:src@127.0.0.1>;tag=${branch.slice(7)}\r\n` +
    `To: <sip:srs@127.0.0.1:${port}>\r\n` +
    `Call-ID: ${branch}@127.0.0.1\r\n` +
    'CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n' +
    'Contact: <sip:src@127.0.0.1:LOCALPORT>;+sip.src\r\n' +
    headers.map((h) => `${h}\r\n`).join('') +
    `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n${body.toString('latin1')}`
  );
}

const SDP_PCMU =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'm=audio 9000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=label:1\r\na=sendonly\r\n';

describe.skipIf(!sipp)(
  suiteTitle('SIPREC recording server with SIPp as the recording client', [missing]),
  () => {
    let node: RunningNode;
    let port: number;
    let dataDir: string;
    const events: RecordingEvent[] = [];

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sb-siprec-'));
      const config = defaultConfig();
      config.dataDir = dataDir;
      config.sip.listen = ['127.0.0.1'];
      config.sip.port = await allocatePorts(1);
      config.sip.transports = ['udp'];
      config.api.enabled = false;
      config.recording.portMin = RECORDER_PORTS.min;
      config.recording.portMax = RECORDER_PORTS.max;
      node = await startNode(config, pino({ level: 'silent' }));
      node.events.subscribe('recording.*', (e) => events.push(e));
      port = config.sip.port;
    });

    afterAll(async () => {
      await node?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('records the session with its metadata, partial update and BYE', async () => {
      const ports = await sippPorts();
      const result = await runSipp(
        sipp!,
        [
          '-sf',
          join(repoRoot, 'test/interop/scenarios/siprec-client.xml'),
          '-m',
          '1',
          '-i',
          '127.0.0.1',
          '-p',
          String(ports.sip),
          ...ports.args,
          '-timeout',
          '20s',
          '-timeout_error',
          `127.0.0.1:${port}`,
        ],
        30_000,
        { cwd: repoRoot },
      );
      expect(result.successful, describeSipp(result)).toBe(1);
      expect(result.failed).toBe(0);

      const recordings = node.services!.recordings;
      const [summary] = await recordings.list({ callId: undefined });
      expect(summary).toBeDefined();
      const id = summary!.id;
      const stopped = events.find((e) => e.recordingId === id && e.type !== 'recording.started');
      expect(stopped).toMatchObject({ type: 'recording.stopped', reason: 'bye', source: 'siprec' });
      const metadata = (await recordings.metadata(id)) as any;
      expect(metadata.status).toBe('stopped');
      // RFC 7865 metadata: the complete document from the INVITE with the re-INVITE's partial update.
      const participants = metadata.siprec.participants.map((p: { aor?: string }) => p.aor).sort();
      expect(participants).toEqual(['sip:alice@atlanta.example.com', 'sip:bob@biloxi.example.com', 'sip:carol@chicago.example.com']);
      const bob = metadata.siprec.participantSessionAssocs.find(
        (a: { participantId: string }) =>
          metadata.siprec.participants.find(
            (p: { participantId: string; aor?: string }) => p.participantId === a.participantId,
          )?.aor === 'sip:bob@biloxi.example.com',
      );
      expect(bob?.disassociateTime).toBeDefined();
      const byLabel = Object.fromEntries(
        metadata.legs.map((l: { label: string; participant?: { aor?: string } }) => [
          l.label,
          l.participant?.aor,
        ]),
      );
      expect(byLabel).toEqual({ '1': 'sip:alice@atlanta.example.com', '2': 'sip:carol@chicago.example.com' });
      // SIPp streams its 440 Hz WAV on the first m= line only (label 1, leg 0).
      const leg0 = metadata.statistics.find((s: { leg: number }) => s.leg === 0);
      expect(leg0.packets).toBeGreaterThan(100);
      expect(leg0.codecs).toEqual(['PCMU']);
      const file = await recordings.file(id, 'mixed');
      const mixed = parseWav(readFileSync(file!.path));
      const left = new Int16Array(mixed.samples.length / 2);
      for (let i = 0; i < left.length; i++) left[i] = mixed.samples[i * 2]!;
      expect(
        toneReport({ sampleRate: mixed.sampleRate, channels: 1, samples: left }, 440).toneFrames,
      ).toBeGreaterThan(50);
    }, 40_000);

    it('refuses INVITEs that are not SIPREC, bad metadata and SDP without usable codecs', async () => {
      const sdp = Buffer.from(SDP_PCMU);
      // Neither Require: siprec nor +sip.src nor metadata: an ordinary call to the server's address.
      const plain = invite(port, [], 'application/sdp', sdp).replace(';+sip.src', '');
      expect(await finalStatus(port, plain)).toMatch(/^SIP\/2\.0 403/);

      const laughs =
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' +
        '<recording xmlns="urn:ietf:params:xml:ns:recording:1"><dataMode>complete</dataMode>&lol2;</recording>';
      const hostile = buildMultipart([
        { contentType: 'application/sdp', body: sdp },
        {
          contentType: 'application/rs-metadata+xml',
          contentDisposition: 'recording-session',
          body: Buffer.from(laughs),
        },
      ]);
      expect(
        await finalStatus(port, invite(port, ['Require: siprec'], hostile.contentType, hostile.body)),
      ).toMatch(/^SIP\/2\.0 400/);

      const truncated = Buffer.from('--abc\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n');
      expect(
        await finalStatus(port, invite(port, ['Require: siprec'], 'multipart/mixed;boundary=abc', truncated)),
      ).toMatch(/^SIP\/2\.0 400/);

      const g729 = Buffer.from(
        SDP_PCMU.replace('RTP/AVP 0', 'RTP/AVP 18').replace('0 PCMU/8000', '18 G729/8000'),
      );
      expect(await finalStatus(port, invite(port, ['Require: siprec'], 'application/sdp', g729))).toMatch(
        /^SIP\/2\.0 488/,
      );
      // Nothing of these was recorded.
      expect(events.filter((e) => e.type === 'recording.started')).toHaveLength(1);
    });
  },
);
