import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type BaresipEvent, type BaresipOptions, BaresipUa } from './baresip-process.js';
import { LoopbackCapture } from './capture.js';
import { type MediaAnchor, startMediaAnchor } from './media-anchor.js';
import {
  DOMAIN,
  type RegistrarProcess,
  type RegistrarSetup,
  type RegistrarUnderTest,
} from './registrar-process.js';
import { readWav, toneReport, writeToneWav } from './wav.js';

// One place for what the baresip interop tests share: a node with the subscribers, the media relay
// it anchors calls on (if any), one baresip phone a subscriber each (registered, its own tone), a
// call placed and answered and hung up, tshark captures, the tone checks on what each phone
// heard, and teardown of all of it in reverse order.

/** A subscriber with a phone: its credentials and the tone (Hz) its phone sends. */
export interface PhoneUser {
  username: string;
  password: string;
  toneHz: number;
}

/** How to start, describe and stop the node under test, given the media relay's environment. */
export interface CallNodeDriver<N extends { port: number }> {
  start(mediaEnv: Record<string, string>): Promise<N>;
  report(node: N): string;
  stop(node: N): Promise<void>;
}

export interface BaresipCallOptions<N extends { port: number }> {
  /** Names the temporary directory of the tones. */
  name: string;
  /** The baresip binary. */
  baresip: string;
  users: PhoneUser[];
  node: CallNodeDriver<N>;
  /** The media relay to start before the node (its env goes to `node.start`); none by default. */
  media?: Parameters<typeof startMediaAnchor>[0];
  /** Seconds of tone in each phone's WAV (default 30). */
  toneSeconds?: number;
  /** More options for a user's phone (sipTrace, mediaenc...). */
  phone?: (user: PhoneUser) => Partial<BaresipOptions>;
  /** Wait in the setup for each phone's REGISTER to be answered 200 (default true). */
  awaitRegistration?: boolean;
  /** How long the setup may take (default 60 s). */
  setupTimeoutMs?: number;
}

/** The phones, their node and relay, and what else a test started; set up and torn down by vitest's hooks. */
export class BaresipCall<N extends { port: number }> {
  node!: N;
  media: MediaAnchor | undefined;
  readonly phones = new Map<string, BaresipUa>();
  private toneDir: string | undefined;
  private readonly captures: LoopbackCapture[] = [];

  constructor(readonly options: BaresipCallOptions<N>) {}

  /** The phone of `user` (a username or a PhoneUser). */
  phone(user: string | PhoneUser): BaresipUa {
    const name = typeof user === 'string' ? user : user.username;
    const ua = this.phones.get(name);
    if (ua === undefined) throw new Error(`no phone for ${name}`);
    return ua;
  }

  /** Everything each process said, for failure messages. */
  report(): string {
    return [
      ...[...this.phones.values()].map((ua) => ua.report()),
      this.node === undefined ? '' : this.options.node.report(this.node),
      this.media?.engine?.report() ?? '',
      ...this.captures.map((c) => c.report()),
    ].join('\n\n');
  }

  /** The relay's media ports (throws without a media relay). */
  get relayPorts(): { min: number; count: number } {
    if (this.media === undefined) throw new Error('no media relay in this fixture');
    return this.media.ports;
  }

  async start(): Promise<void> {
    const { options } = this;
    this.toneDir = mkdtempSync(join(tmpdir(), `sb-${options.name}-tones-`));
    for (const user of options.users)
      writeToneWav(this.toneWav(user), user.toneHz, options.toneSeconds ?? 30);
    if (options.media) this.media = await startMediaAnchor(options.media);
    this.node = await options.node.start(this.media?.env ?? {});
    for (const user of options.users) {
      const ua = await BaresipUa.start(options.baresip, {
        domain: DOMAIN,
        registrarPort: this.node.port,
        autoAnswer: true,
        name: user.username,
        user: user.username,
        password: user.password,
        toneWav: this.toneWav(user),
        ...options.phone?.(user),
      });
      this.phones.set(user.username, ua);
    }
    if (options.awaitRegistration !== false)
      for (const ua of this.phones.values()) await ua.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
  }

  /** Captures, stops, the phones, the node, its relay, the tones: each only if it was started. */
  async stop(): Promise<void> {
    for (const capture of this.captures) {
      await capture.stop();
      capture.cleanup();
    }
    for (const ua of this.phones.values()) await ua.stop();
    for (const ua of this.phones.values()) ua.cleanup();
    if (this.node !== undefined) await this.options.node.stop(this.node);
    await this.media?.engine?.stop();
    if (this.toneDir) rmSync(this.toneDir, { recursive: true, force: true });
  }

  /** A tshark capture on lo (see LoopbackCapture.start), reported on failure and removed at teardown. */
  async capture(tshark: string, name: string, filter: string, probePort: number): Promise<LoopbackCapture> {
    const capture = await LoopbackCapture.start(tshark, name, filter, probePort);
    this.captures.push(capture);
    return capture;
  }

  /**
   * One call: `caller` dials `uri`, `callee` answers (auto-answer), both see RTP, `seconds` of
   * media, `midCall` (if any), `hangsUp` (the caller by default) hangs up, both see the call closed.
   * Returns the recording of what each of them heard in this call (`-dec.wav`, one each).
   */
  async call(
    caller: BaresipUa,
    callee: BaresipUa,
    uri: string,
    options: {
      seconds: number;
      hangsUp?: BaresipUa;
      /** The peer URI the callee's CALL_ESTABLISHED must name. */
      calleePeer?: string;
      midCall?: () => void | Promise<void>;
    },
  ): Promise<{ heardByCaller: string; heardByCallee: string }> {
    const mark = { caller: caller.events.length, callee: callee.events.length };
    const before = { caller: new Set(caller.recordings()), callee: new Set(callee.recordings()) };
    const dialed = await caller.command('dial', uri);
    expect(dialed.ok, `dial ${uri}: ${dialed.data}\n${this.report()}`).toBe(true);
    await caller.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, mark.caller);
    await callee.waitForEvent(isType('CALL_ESTABLISHED', options.calleePeer), 15_000, mark.callee);
    await caller.waitForEvent(isType('CALL_RTPESTAB'), 10_000, mark.caller);
    await callee.waitForEvent(isType('CALL_RTPESTAB'), 10_000, mark.callee);
    await sleep(options.seconds * 1000);
    await options.midCall?.();
    const hungUp = await (options.hangsUp ?? caller).command('hangup');
    expect(hungUp.ok, `hangup: ${hungUp.data}\n${this.report()}`).toBe(true);
    await caller.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.caller);
    await callee.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.callee);
    return {
      heardByCaller: newRecording(caller, before.caller),
      heardByCallee: newRecording(callee, before.callee),
    };
  }

  private toneWav(user: PhoneUser): string {
    return join(this.toneDir!, `${user.username}.wav`);
  }
}

/** A BaresipCall set up in `beforeAll` and torn down in `afterAll` of the enclosing describe. */
export function useBaresipCall<N extends { port: number }>(options: BaresipCallOptions<N>): BaresipCall<N> {
  const call = new BaresipCall(options);
  beforeAll(() => call.start(), options.setupTimeoutMs ?? 60_000);
  afterAll(() => call.stop());
  return call;
}

/** The node registrarUnderTest() starts with `setup` (its env added to the media relay's). */
export function registrarNode(
  target: RegistrarUnderTest,
  setup: RegistrarSetup,
): CallNodeDriver<RegistrarProcess> {
  return {
    start: (mediaEnv) => target.start({ ...setup, env: { ...mediaEnv, ...setup.env } }),
    report: (node) => node.report(),
    stop: async (node) => {
      await node.stop();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Matches a ctrl_tcp event of `type` (and, if given, about the peer `peer`). */
export const isType =
  (type: string, peer?: string) =>
  (e: BaresipEvent): boolean =>
    e.type === type && (peer === undefined || e.peeruri === peer);

/** The one recording (`-dec.wav`: what it heard) `ua` wrote since `before` was listed. */
export function newRecording(ua: BaresipUa, before: Set<string>): string {
  const fresh = ua.recordings().filter((f) => !before.has(f) && f.endsWith('-dec.wav'));
  expect(fresh.length, `${ua.options.name} recorded this call\n${ua.report()}`).toBe(1);
  return fresh[0]!;
}

/** Frames of `hz` in a recording. */
export function toneFrames(file: string, hz: number): number {
  return toneReport(readWav(file), hz).toneFrames;
}

/**
 * What `who` heard (the recording `file`) is the other side's tone `hz` for 2 s or more, loud, at
 * 8 kHz, and never its own `ownHz` (no loop-back).
 */
export function expectTone(file: string, hz: number, ownHz: number, who: string, report = ''): void {
  const wav = readWav(file);
  const wanted = toneReport(wav, hz);
  const own = toneReport(wav, ownHz);
  const why = `${who}'s recording ${file}: ${JSON.stringify({ rate: wav.sampleRate, wanted, own })}\n${report}`;
  expect(wav.sampleRate, why).toBe(8000);
  expect(wanted.toneFrames, why).toBeGreaterThanOrEqual(100);
  expect(own.toneFrames, why).toBe(0);
  expect(wanted.rms, why).toBeGreaterThan(500);
}

/** The ports `ua` received RTP from, as its log says ("incoming rtp ... receiving from"), in order. */
export function rtpSources(ua: BaresipUa): number[] {
  return [
    ...ua.output.matchAll(/incoming rtp for 'audio' established, receiving from 127\.0\.0\.1:(\d+)/g),
  ].map((m) => Number(m[1]));
}

/** `ua` received RTP, and the latest from a port of `ports` (the relay's, or the other phone's). */
export function expectRtpFrom(ua: BaresipUa, ports: { min: number; count: number }, report = ''): void {
  const from = rtpSources(ua);
  expect(from.length, `${ua.options.name} received no RTP\n${report}`).toBeGreaterThan(0);
  const port = from.at(-1)!;
  expect(
    port >= ports.min && port < ports.min + ports.count,
    `${ua.options.name} receives from ${port} (of ${from}), expected ${ports.min}-${ports.min + ports.count - 1}`,
  ).toBe(true);
}
