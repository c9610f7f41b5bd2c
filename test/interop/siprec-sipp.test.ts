import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type SwitchboardConfig } from '../../src/config/index.js';
import type { RecordingEvent } from '../../src/events/index.js';
import { parseWav } from '../../src/media/wav/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import type { RecordingDocument } from '../../src/recording/session/document.js';
import { buildMultipart, type RecordingMetadata } from '../../src/recording/siprec/index.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { repoRoot } from './repo.js';
import { describeSipp, runSipp, sippPorts } from './sipp.js';
import { toneReport } from './wav.js';

/** A stored SIPREC recording's metadata document. */
type SiprecDocument = RecordingDocument & { siprec: RecordingMetadata };

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A minimal SIPREC client over UDP: one dialog, requests answered in order (enough for a test). */
class RecordingClient {
  private cseq = 0;
  private toTag = '';
  private readonly callId = `${Math.random().toString(36).slice(2)}@127.0.0.1`;
  private readonly fromTag = Math.random().toString(36).slice(2);
  private lastInvite = { cseq: 0 };
  private waiting: ((r: { status: number; body: string; raw: string }) => void) | undefined;

  private constructor(
    private readonly socket: ReturnType<typeof createSocket>,
    private readonly port: number,
  ) {
    socket.on('message', (data) => {
      const raw = data.toString('latin1');
      const status = Number(/^SIP\/2\.0 (\d{3})/.exec(raw)?.[1]);
      if (!(status >= 200)) return;
      const tag = /^To:.*;tag=([^;\r\n]+)/im.exec(raw)?.[1];
      if (tag) this.toTag = tag;
      this.waiting?.({ status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4), raw });
      this.waiting = undefined;
    });
  }

  static async open(port: number): Promise<RecordingClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new RecordingClient(socket, port);
  }

  request(method: string, headers: string[], body: { contentType: string; body: Buffer }) {
    this.cseq++;
    if (method === 'INVITE') this.lastInvite = { cseq: this.cseq };
    const local = this.socket.address().port;
    const text =
      `${method} sip:srs@127.0.0.1:${this.port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport\r\n` +
      `From: <sip:src@127.0.0.1>;tag=${this.fromTag}\r\n` +
      `To: <sip:srs@127.0.0.1:${this.port}>${this.toTag ? `;tag=${this.toTag}` : ''}\r\n` +
      `Call-ID: ${this.callId}\r\nCSeq: ${this.cseq} ${method}\r\nMax-Forwards: 70\r\n` +
      `Contact: <sip:src@127.0.0.1:${local}>;+sip.src\r\n` +
      headers.map((h) => `${h}\r\n`).join('') +
      `Content-Type: ${body.contentType}\r\nContent-Length: ${body.body.length}\r\n\r\n`;
    const result = new Promise<{ status: number; body: string; raw: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), 5000);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
    this.socket.send(Buffer.concat([Buffer.from(text, 'latin1'), body.body]), this.port, '127.0.0.1');
    return result;
  }

  ack(): void {
    const local = this.socket.address().port;
    const text =
      `ACK sip:srs@127.0.0.1:${this.port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport\r\n` +
      `From: <sip:src@127.0.0.1>;tag=${this.fromTag}\r\nTo: <sip:srs@127.0.0.1:${this.port}>;tag=${this.toTag}\r\n` +
      `Call-ID: ${this.callId}\r\nCSeq: ${this.lastInvite.cseq} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    this.socket.send(Buffer.from(text, 'latin1'), this.port, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }
}

/** A node recording SIPREC on a free UDP port of 127.0.0.1, no API. */
async function srsConfig(dataDir: string): Promise<SwitchboardConfig> {
  const config = defaultConfig();
  config.dataDir = dataDir;
  config.sip.listen = ['127.0.0.1'];
  config.sip.port = await allocatePorts(1);
  config.sip.transports = ['udp'];
  config.api.enabled = false;
  config.recording.portMin = RECORDER_PORTS.min;
  config.recording.portMax = RECORDER_PORTS.max;
  return config;
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
      const config = await srsConfig(dataDir);
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
      // SIPp ends on the 200 to its BYE, which the SRS sends once the recording has finished
      // (files closed, index written, recording.stopped published): no waiting here.
      const stopped = events.find((e) => e.recordingId === id && e.type !== 'recording.started');
      expect(stopped).toMatchObject({ type: 'recording.stopped', reason: 'bye', source: 'siprec' });
      const metadata = (await recordings.metadata(id)) as unknown as SiprecDocument;
      expect(metadata.status).toBe('stopped');
      // RFC 7865 metadata: the complete document from the INVITE with the re-INVITE's partial update.
      const participants = metadata.siprec.participants.map((p: { aor?: string }) => p.aor).sort();
      expect(participants).toEqual([
        'sip:alice@atlanta.example.com',
        'sip:bob@biloxi.example.com',
        'sip:carol@chicago.example.com',
      ]);
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
      const leg0 = metadata.statistics?.find((s) => s.leg === 0);
      expect(leg0?.packets).toBeGreaterThan(100);
      expect(leg0?.codecs).toEqual(['PCMU']);
      const file = await recordings.file(id, 'mixed');
      const mixed = parseWav(readFileSync(file!.path));
      const left = new Int16Array(mixed.samples.length / 2);
      for (let i = 0; i < left.length; i++) left[i] = mixed.samples[i * 2]!;
      expect(
        toneReport({ sampleRate: mixed.sampleRate, channels: 1, samples: left }, 440).toneFrames,
      ).toBeGreaterThan(50);
    }, 40_000);

    it('follows hold and resume in re-INVITEs without ending the recording, and takes metadata in BYE', async () => {
      const client = await RecordingClient.open(port);
      try {
        const metadata = (mode: string, extra = '') =>
          `<?xml version="1.0" encoding="UTF-8"?><recording xmlns="urn:ietf:params:xml:ns:recording"><datamode>${mode}</datamode>` +
          '<session session_id="c2Vzc2lvbjE="><sipSessionID>hold-test-call</sipSessionID></session>' +
          '<participant participant_id="YWxpY2U="><nameID aor="sip:alice@example.net"><name>Alice</name></nameID></participant>' +
          '<stream stream_id="c3RyZWFtMQ==" session_id="c2Vzc2lvbjE="><label>1</label></stream>' +
          `<participantstreamassoc participant_id="YWxpY2U="><send>c3RyZWFtMQ==</send></participantstreamassoc>${extra}</recording>`;
        const sdp = (direction: string, version: number) =>
          `v=0\r\no=- 7 ${version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n` +
          `m=audio 9000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=label:1\r\na=${direction}\r\n`;
        const body = (direction: string, version: number, mode = 'complete') =>
          buildMultipart([
            { contentType: 'application/sdp', body: sdp(direction, version) },
            {
              contentType: 'application/rs-metadata+xml',
              contentDisposition: 'recording-session',
              body: metadata(mode),
            },
          ]);
        const first = await client.request('INVITE', ['Require: siprec'], body('sendonly', 1));
        expect(first.status).toBe(200);
        expect(first.body).toContain('a=recvonly');
        expect(first.body).toContain('a=label:1');
        expect(first.body).toMatch(/m=audio \d+ RTP\/AVP 8 101/);
        client.ack();
        const id = events.filter((e) => e.type === 'recording.started').at(-1)!.recordingId;
        const recordings = node.services!.recordings;
        expect((await recordings.get(id))?.callId).toBe('hold-test-call');

        const hold = await client.request('INVITE', [], body('inactive', 2, 'partial'));
        expect(hold.status).toBe(200);
        expect(hold.body).toContain('a=inactive');
        client.ack();
        await sleep(2500); // past the 1 s media timeout: on hold, silence is not the end
        expect((await recordings.get(id))?.status).toBe('active');

        const resume = await client.request(
          'INVITE',
          [],
          buildMultipart([{ contentType: 'application/sdp', body: sdp('sendonly', 3) }]),
        );
        expect(resume.status).toBe(200);
        expect(resume.body).toContain('a=recvonly');
        client.ack();

        const bye = await client.request(
          'BYE',
          [],
          buildMultipart([
            {
              contentType: 'application/rs-metadata+xml',
              contentDisposition: 'recording-session',
              body: metadata(
                'partial',
                '<participantsessionassoc participant_id="YWxpY2U=" session_id="c2Vzc2lvbjE="><disassociate-time>2026-11-24T21:00:00Z</disassociate-time></participantsessionassoc>',
              ),
            },
          ]),
        );
        expect(bye.status).toBe(200);
        // The 200 came after the recording ended: its event and finished document are there.
        expect(events.find((e) => e.recordingId === id && e.type !== 'recording.started')).toMatchObject({
          type: 'recording.stopped',
          reason: 'bye',
        });
        const doc = (await recordings.metadata(id)) as unknown as SiprecDocument;
        expect(doc.status).toBe('stopped');
        expect(doc.reason).toBe('bye');
        expect(doc.siprec.participantSessionAssocs[0]?.disassociateTime).toBe('2026-11-24T21:00:00Z');
        expect(doc.legs[0]?.payloadTypes).toEqual({
          8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
          101: { encoding: 'TELEPHONE-EVENT', clockRate: 8000, channels: 1 },
        });
      } finally {
        client.close();
      }
    }, 20_000);

    it('refuses INVITEs that are not SIPREC, bad metadata and SDP without usable codecs', async () => {
      const sdp = Buffer.from(SDP_PCMU);
      const startedBefore = events.filter((e) => e.type === 'recording.started').length;
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
      expect(events.filter((e) => e.type === 'recording.started')).toHaveLength(startedBefore);
    });
  },
);

describe('SIPREC recording server behind NAT (recording.advertisedAddress)', () => {
  let node: RunningNode;
  let dataDir: string;

  afterAll(async () => {
    await node?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('announces the advertised address in its SDP, re-INVITEs included, while receiving on recording.address', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-siprec-nat-'));
    const config = await srsConfig(dataDir);
    config.recording.address = '127.0.0.1';
    config.recording.advertisedAddress = '192.0.2.10';
    node = await startNode(config, pino({ level: 'silent' }));
    const client = await RecordingClient.open(config.sip.port);
    try {
      const answer = await client.request(
        'INVITE',
        ['Require: siprec'],
        buildMultipart([{ contentType: 'application/sdp', body: SDP_PCMU }]),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('c=IN IP4 192.0.2.10');
      client.ack();
      // The announced port is bound on the local address: RTP sent there is recorded.
      const rtpPort = Number(/m=audio (\d+)/.exec(answer.body)?.[1]);
      const sender = createSocket('udp4');
      const packet = Buffer.alloc(172);
      packet[0] = 0x80;
      for (let seq = 1; seq <= 5; seq++) {
        packet.writeUInt16BE(seq, 2);
        await new Promise<void>((r) => sender.send(packet, rtpPort, '127.0.0.1', () => r()));
      }
      sender.close();
      const recordings = node.services!.recordings;
      const [summary] = await recordings.list({ callId: undefined });
      let packets = 0;
      for (let i = 0; i < 100 && packets < 5; i++) {
        await sleep(20);
        const doc = (await recordings.metadata(summary!.id)) as unknown as SiprecDocument;
        packets = doc.receivers?.[0]?.received ?? 0;
      }
      expect(packets).toBe(5);
      // A re-INVITE (hold) is answered with the same advertised address and port.
      const hold = await client.request(
        'INVITE',
        ['Require: siprec'],
        buildMultipart([
          { contentType: 'application/sdp', body: SDP_PCMU.replace('a=sendonly', 'a=inactive') },
        ]),
      );
      expect(hold.status).toBe(200);
      expect(hold.body).toContain('c=IN IP4 192.0.2.10');
      expect(hold.body).toContain(`m=audio ${rtpPort} `);
      client.ack();
    } finally {
      client.close();
    }
  });
});
