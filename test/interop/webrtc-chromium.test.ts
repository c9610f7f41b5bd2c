import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltinMediaRelay, createBuiltinMediaRelay } from '../../src/media/relay/index.js';
import { buildRtpPacket } from '../../src/media/rtp/index.js';
import { Child } from './child.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { writeToneWav } from './wav.js';

// Headless Chromium (fake audio device playing a 440 Hz tone) negotiates ICE-lite and DTLS-SRTP
// with the built-in relay through an RTCPeerConnection; the test harness carries the browser's
// offer to the relay and the relay's answer back. A plain RTP/AVP endpoint (a socket here) hears
// the browser's tone as PCMU and sends a 1 kHz tone back, which the page sees in getStats.

const chromium = requirePeer('chromium', 'chromium');
const unavailable = [chromium ? undefined : missingPeerReason('chromium', 'chromium')];

const PAGE = `<!doctype html><html><body><script>
const report = (event, extra = {}) => fetch('/report', { method: 'POST', body: JSON.stringify({ event, ...extra }) });
(async () => {
  try {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
    pc.onconnectionstatechange = () => report('state', { state: pc.connectionState });
    pc.ontrack = (e) => { const a = new Audio(); a.srcObject = e.streams[0] || new MediaStream([e.track]); a.play().catch(() => {}); };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 3000); });
    const answer = await (await fetch('/offer', { method: 'POST', body: pc.localDescription.sdp })).text();
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    setInterval(async () => {
      const stats = await pc.getStats();
      const out = { event: 'stats' };
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') { out.packetsReceived = s.packetsReceived; out.audioLevel = s.audioLevel; out.totalAudioEnergy = s.totalAudioEnergy; }
        if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent = s.packetsSent;
        if (s.type === 'transport') { out.dtlsState = s.dtlsState; out.srtpCipher = s.srtpCipher; }
      });
      report('stats', out);
    }, 500);
  } catch (e) { report('error', { message: String(e) }); }
})();
</script></body></html>`;

/** G.711 μ-law (ITU-T G.711) to linear. */
function fromUlaw(byte: number): number {
  const b = ~byte & 0xff;
  const magnitude = ((((b & 0x0f) << 3) + 0x84) << ((b >> 4) & 7)) - 0x84;
  return b & 0x80 ? -magnitude : magnitude;
}

function toUlaw(sample: number): number {
  let s = Math.max(-32635, Math.min(32635, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
}

/** Frequency from zero crossings and RMS of linear samples at 8 kHz. */
function measure(samples: number[]): { hz: number; rms: number } {
  let crossings = 0;
  let energy = 0;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
    energy += samples[i]! * samples[i]!;
  }
  return { hz: (crossings / 2) * (8000 / samples.length), rms: Math.sqrt(energy / samples.length) };
}

describe.skipIf(unavailable.some(Boolean))(
  suiteTitle('headless Chromium ↔ built-in relay (ICE-lite, DTLS-SRTP) ↔ plain RTP', unavailable),
  () => {
    let dir: string;
    let relay: BuiltinMediaRelay;
    let server: Server;
    let browser: Child;
    let phone: Socket;
    const reports: Array<Record<string, unknown>> = [];
    const heard: Buffer[] = [];
    let sender: NodeJS.Timeout | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sb-webrtc-'));
      writeToneWav(join(dir, 'tone.wav'), 440, 30, 48000);
      const block = await allocatePorts(22);
      const base = block + (block % 2);
      relay = createBuiltinMediaRelay({
        address: '127.0.0.1',
        portMin: base,
        portMax: base + 19,
        timeoutMs: 60_000,
        workers: 1,
      });
      phone = createSocket('udp4');
      await new Promise<void>((r) => phone.bind(0, '127.0.0.1', r));
      phone.on('message', (d) => heard.push(d));
      const phonePort = phone.address().port;
      let relayToPhone = 0;
      server = createServer((request, response) => {
        let body = '';
        request.on('data', (d) => (body += d));
        request.on('end', async () => {
          try {
            if (request.url === '/report') reports.push(JSON.parse(body) as Record<string, unknown>);
            else if (request.url === '/offer') {
              const offer = await relay.offer({
                callId: 'chromium',
                fromTag: 'browser',
                sdp: body,
                transport: 'RTP/AVP',
              });
              relayToPhone = Number(/^m=audio (\d+) /m.exec(offer.sdp)![1]);
              const answer = await relay.answer({
                callId: 'chromium',
                fromTag: 'browser',
                toTag: 'phone',
                sdp: `v=0\r\no=- 5 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${phonePort} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`,
              });
              response.writeHead(200, { 'content-type': 'application/sdp' }).end(answer.sdp);
              // The phone's 1 kHz tone, 20 ms PCMU packets.
              let seq = 0;
              sender = setInterval(() => {
                seq++;
                const payload = Buffer.alloc(160);
                for (let i = 0; i < 160; i++)
                  payload[i] = toUlaw(
                    Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (seq * 160 + i)) / 8000)),
                  );
                phone.send(
                  buildRtpPacket({
                    payloadType: 0,
                    sequenceNumber: seq,
                    timestamp: seq * 160,
                    ssrc: 0x5eed,
                    payload,
                  }),
                  relayToPhone,
                  '127.0.0.1',
                );
              }, 20);
              return;
            } else {
              response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
              return;
            }
            response.end();
          } catch (error) {
            reports.push({ event: 'harness-error', message: String(error) });
            response.writeHead(500).end(String(error));
          }
        });
      });
      const httpPort = block + 21;
      await new Promise<void>((r) => server.listen(httpPort, '127.0.0.1', r));
      browser = new Child('chromium', chromium!, [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
        `--user-data-dir=${join(dir, 'chromium')}`,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${join(dir, 'tone.wav')}`,
        '--allow-loopback-in-peer-connection',
        `http://127.0.0.1:${httpPort}/`,
      ]);
    }, 60_000);

    afterAll(async () => {
      if (sender) clearInterval(sender);
      await browser?.stop(5_000);
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
      phone?.close();
      await relay?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the browser’s tone reaches the plain endpoint as PCMU, and the endpoint’s tone reaches the browser', async () => {
      const explain = () => `${JSON.stringify(reports.slice(-5))}\n${browser.report()}`;
      const deadline = Date.now() + 30_000;
      const received = () =>
        reports.filter((r) => r.event === 'stats' && Number(r.packetsReceived ?? 0) > 50);
      while ((heard.length < 100 || received().length === 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(heard.length, explain()).toBeGreaterThanOrEqual(100);
      // The browser's audio: PCMU (the only codec the phone answered), the 440 Hz tone.
      expect(heard.every((p) => (p[1]! & 0x7f) === 0)).toBe(true);
      const samples = heard.slice(-50).flatMap((p) => [...p.subarray(12)].map(fromUlaw));
      const { hz, rms } = measure(samples);
      expect(rms).toBeGreaterThan(300);
      expect(hz).toBeGreaterThan(380);
      expect(hz).toBeLessThan(500);
      // Back: the page's inbound-rtp counts packets and hears sound (audioLevel/energy).
      const last = received().at(-1);
      expect(last, explain()).toBeDefined();
      expect(last!.dtlsState).toBe('connected');
      expect(Number(last!.totalAudioEnergy ?? 0) + Number(last!.audioLevel ?? 0)).toBeGreaterThan(0);
      const stats = await relay.query('chromium');
      const fromBrowser = stats!.streams.find((s) => s.fromTag === 'browser' && s.component === 'rtp')!;
      expect(fromBrowser.webrtc).toMatchObject({ dtls: 'connected', consent: true });
    }, 45_000);
  },
);
