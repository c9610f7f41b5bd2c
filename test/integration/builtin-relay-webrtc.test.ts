import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { MediaEvent } from '../../src/media/relay/index.js';
import { type BuiltinMediaRelay, createBuiltinMediaRelay } from '../../src/media/relay/index.js';
import { StunAttribute, StunClass, verifyIntegrity } from '../../src/media/stun/index.js';
import { builtinRelayConfig } from '../../src/node-media.js';
import { allocatePorts } from '../interop/ports.js';
import { repoRoot } from '../interop/repo.js';
import { until } from '../support/until.js';
import { bind, senderReport, sleep, voice as voiceFilled } from './relay-loopback.js';
import { WebRtcPeer } from './webrtc-peer.js';

const voice = (seq: number, ssrc: number) => voiceFilled(seq, ssrc, seq & 0xff);

// A browser's media side (ICE controlling, DTLS active, SRTP, rtcp-mux, BUNDLE) played by the
// test against the built-in relay, bridged to a plain RTP/AVP phone over loopback: with the engine
// on the test's thread, and with the built relay (dist/, `npm run build`) on a worker thread as a
// node runs it (werift-dtls and the certificate crossing into the worker).
const built = join(repoRoot, 'dist', 'media', 'relay', 'index.js');
const modes = existsSync(built) ? (['inline', 'worker'] as const) : (['inline'] as const);

const plainSdp = (port: number) =>
  `v=0\r\no=- 9 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 126\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:126 telephone-event/8000\r\na=sendrecv\r\n`;

describe.each(modes)(
  'built-in relay (%s): a WebRTC side (ICE-lite, DTLS-SRTP, rtcp-mux) bridged to plain RTP',
  (mode) => {
    let relay: BuiltinMediaRelay;
    const events: MediaEvent[] = [];

    beforeAll(async () => {
      const block = await allocatePorts(21);
      const base = block + (block % 2);
      const create =
        mode === 'inline'
          ? createBuiltinMediaRelay
          : (
              (await import(pathToFileURL(built).href)) as {
                createBuiltinMediaRelay: typeof createBuiltinMediaRelay;
              }
            ).createBuiltinMediaRelay;
      // The consent timeout comes from the node's key (media.consentTimeout), as a node passes it on.
      const media = loadConfig({ env: { SWITCHBOARD_MEDIA_CONSENT_TIMEOUT: '2' } }).media;
      relay = create({
        ...builtinRelayConfig(media, '127.0.0.1'),
        portMin: base,
        portMax: base + 19,
        workers: 1,
        inline: mode === 'inline',
      });
      relay.onEvent((e) => events.push(e));
    });
    afterAll(async () => {
      await relay?.close();
    });

    it('negotiates, carries SRTP both ways to a plain phone, refuses bad STUN and DTLS, loses consent, frees the port', async () => {
      const browser = await WebRtcPeer.create();
      const phoneRtp = await bind();
      const phoneRtcp = await bind(phoneRtp.address().port + 1).catch(() => bind());
      const phonePort = phoneRtp.address().port;
      const heard: Buffer[] = [];
      const heardRtcp: Buffer[] = [];
      phoneRtp.on('message', (d) => heard.push(d));
      phoneRtcp.on('message', (d) => heardRtcp.push(d));
      try {
        const offer = await relay.offer({
          callId: 'w1',
          fromTag: 'browser',
          sdp: browser.offer(),
          transport: 'RTP/AVP',
        });
        const toPhone = parse(offer.sdp);
        // The phone sees a plain RTP/AVP offer: no ICE, DTLS, BUNDLE or feedback attributes.
        expect(toPhone.media[0]!.protocol).toBe('RTP/AVP');
        for (const gone of [
          'fingerprint',
          'ice-ufrag',
          'setup',
          'rtcp-mux',
          'BUNDLE',
          'candidate',
          'rtcp-fb',
          'extmap',
          'ssrc:',
        ])
          expect(offer.sdp).not.toContain(gone);
        expect(toPhone.media[0]!.payloads).toBe('111 0 8 126'); // Opus passes through if the phone has it.

        const answer = await relay.answer({
          callId: 'w1',
          fromTag: 'browser',
          toTag: 'phone',
          sdp: plainSdp(phonePort),
        });
        const toBrowser = parse(answer.sdp);
        const m = toBrowser.media[0]!;
        expect(m.protocol).toBe('UDP/TLS/RTP/SAVPF');
        expect(m.setup).toBe('passive');
        expect(String(m.mid)).toBe('0');
        expect(m.rtcpMux).toBe('rtcp-mux');
        expect(m.fingerprint?.type).toBe('sha-256');
        expect((toBrowser as { icelite?: string }).icelite).toBe('ice-lite');
        expect(answer.sdp).toContain('a=group:BUNDLE 0\r\n');
        expect(m.candidates?.[0]).toMatchObject({ ip: '127.0.0.1', port: m.port, type: 'host' });
        expect(answer.sdp).toContain('a=end-of-candidates');
        const relayPort = m.port;
        const ice = { ufrag: String(m.iceUfrag), pwd: String(m.icePwd) };

        // Bad STUN first: a wrong password gets 401 and is counted; garbage STUN is dropped.
        browser.check(relayPort, ice, { password: 'not-the-password' });
        browser.socket.send(
          Buffer.from([0, 1, 0, 4, 0x21, 0x12, 0xa4, 0x42, ...Array(16).fill(7)]),
          relayPort,
          '127.0.0.1',
        );
        await until(() => browser.stun.length === 1, 2000, 'the 401');
        expect(browser.stun[0]!.cls).toBe(StunClass.error);
        const code = browser.stun[0]!.attributes.get(StunAttribute.errorCode)!;
        expect(code[2]! * 100 + code[3]!).toBe(401);
        // DTLS before ICE chose the browser's address: dropped.
        browser.socket.send(
          Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9]),
          relayPort,
          '127.0.0.1',
        );
        await sleep(50);
        let counters = await relay.counters();
        expect(counters.dropped.stun).toBe(2);
        expect(counters.dropped.dtls).toBe(1);

        // ICE: a nominating check answered with integrity under the relay's password.
        browser.check(relayPort, ice, { useCandidate: true });
        const checkedAt = Date.now();
        await until(() => browser.stun.length === 2, 2000, 'the success response');
        const success = browser.stun[1]!;
        expect(success.cls).toBe(StunClass.success);
        expect(verifyIntegrity(success, ice.pwd)).toBe(true);
        // DTLS garbage from the chosen address: dropped and counted, the handshake still works after it.
        browser.socket.send(Buffer.from([23, 1, 2, 3, 4, 5]), relayPort, '127.0.0.1');
        await browser.connect(relayPort);
        await sleep(20);
        expect((await relay.counters()).dropped.dtls).toBe(2);

        // Browser → phone: SRTP decrypted to the phone's plain RTP; SRTCP on the same port to its RTCP port.
        for (let i = 1; i <= 5; i++)
          browser.socket.send(browser.send!.protectRtp(voice(i, 0xb0b0))!, relayPort, '127.0.0.1');
        browser.socket.send(browser.send!.protectRtcp(senderReport(0xb0b0))!, relayPort, '127.0.0.1');
        await until(() => heard.length === 5, 2000, 'plain RTP at the phone');
        expect(heard[0]).toEqual(voice(1, 0xb0b0));
        await until(() => heardRtcp.length === 1, 2000, 'plain RTCP at the phone');
        expect(heardRtcp[0]).toEqual(senderReport(0xb0b0));

        // Phone → browser: plain RTP sent to the relay's phone-side port arrives as SRTP.
        const phoneSide = Number(/^m=audio (\d+) /m.exec(offer.sdp)![1]);
        for (let i = 1; i <= 5; i++) phoneRtp.send(voice(i, 0xcafe), phoneSide, '127.0.0.1');
        await until(() => browser.rtp.length === 5, 2000, 'SRTP at the browser');
        expect(browser.rtp[0]).toEqual(voice(1, 0xcafe));

        const stats = await relay.query('w1');
        const fromBrowser = stats!.streams.find((s) => s.fromTag === 'browser' && s.component === 'rtp')!;
        expect(fromBrowser.webrtc).toMatchObject({ dtls: 'connected', consent: true, stunRefused: 2 });

        // Consent (RFC 7675): no check for 2 s (media.consentTimeout) → nothing more goes to the
        // browser, an event says so; not before the 2 s (the check above nominated it).
        await until(() => events.some((e) => e.type === 'media.consent-lost'), 5000, 'consent lost');
        expect(Date.now() - checkedAt).toBeGreaterThanOrEqual(1950);
        const before = browser.rtp.length;
        phoneRtp.send(voice(6, 0xcafe), phoneSide, '127.0.0.1');
        await sleep(100);
        expect(browser.rtp.length).toBe(before);
        expect((await relay.counters()).dropped.consent).toBeGreaterThan(0);
        // A fresh check restores consent.
        browser.check(relayPort, ice);
        await sleep(50);
        phoneRtp.send(voice(7, 0xcafe), phoneSide, '127.0.0.1');
        await until(() => browser.rtp.length === before + 1, 2000, 'media after consent came back');

        // Delete: both sides' ports are free again (bindable).
        await relay.delete({ callId: 'w1' });
        counters = await relay.counters();
        expect(counters).toMatchObject({ endpoints: 0, sessions: 0 });
        const again = await bind(relayPort);
        again.close();
      } finally {
        browser.close();
        phoneRtp.close();
        phoneRtcp.close();
      }
    }, 20_000);

    it('offers WebRTC to a browser answerer (actpass) from a plain offer, and takes its active answer', async () => {
      const browser = await WebRtcPeer.create();
      try {
        const offer = await relay.offer({
          callId: 'w2',
          fromTag: 'phone',
          sdp: plainSdp(40000),
          transport: 'UDP/TLS/RTP/SAVPF',
        });
        const m = parse(offer.sdp).media[0]!;
        expect(m.protocol).toBe('UDP/TLS/RTP/SAVPF');
        expect(m.setup).toBe('actpass');
        expect(m.rtcp).toBeUndefined();
        const answer = browser
          .offer()
          .replace('a=setup:actpass', 'a=setup:active')
          .replace(' 111 0 8 126', ' 0 126');
        const back = await relay.answer({ callId: 'w2', fromTag: 'phone', toTag: 'browser', sdp: answer });
        const plain = parse(back.sdp).media[0]!;
        expect(plain.protocol).toBe('RTP/AVP');
        expect(back.sdp).not.toContain('fingerprint');
        // An answerer that wants the relay to be the DTLS client is refused: the relay is passive only.
        await relay.offer({
          callId: 'w3',
          fromTag: 'phone',
          sdp: plainSdp(40000),
          transport: 'UDP/TLS/RTP/SAVPF',
        });
        await expect(
          relay.answer({
            callId: 'w3',
            fromTag: 'phone',
            toTag: 'browser',
            sdp: browser.offer().replace('a=setup:actpass', 'a=setup:passive'),
          }),
        ).rejects.toThrow(/passive DTLS side only/);
      } finally {
        browser.close();
        await relay.delete({ callId: 'w2' });
        await relay.delete({ callId: 'w3' });
      }
    });
  },
);
