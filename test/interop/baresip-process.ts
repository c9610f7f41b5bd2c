import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, type ExitInfo } from './child.js';
import { findBinary } from './peers.js';
import { allocatePorts, waitForBound } from './ports.js';

// Debian's baresip 1.0.0 driven through ctrl_tcp (netstring-framed JSON; its stdio module fails on a
// /dev/null stdin): net_interface 127.0.0.1 (a loopback-only namespace offers no other address), an
// aufile source (8 kHz WAV: ausine runs only at 48 kHz) and the sndfile recorder.

const MODULE_DIR = '/usr/lib/baresip/modules';
const LOG_KEEP = 400_000;

export interface BaresipOptions {
  /** Label for reports, e.g. `alice`. */
  name: string;
  user: string;
  domain: string;
  password: string;
  /** The registrar/proxy every request goes to (outbound proxy), on 127.0.0.1 over UDP. */
  registrarPort: number;
  /** How to reach the outbound proxy (default udp); for tls, registrarPort is the TLS port. */
  transport?: 'udp' | 'tcp' | 'tls';
  /** PEM file of the CAs baresip trusts for TLS (the node's self-signed certificate). */
  cafile?: string;
  /** 8 kHz WAV the instance sends as its microphone. */
  toneWav: string;
  /** Answer incoming calls at once. */
  autoAnswer: boolean;
  /** Print every SIP message sent and received in the log (baresip -s). */
  sipTrace?: boolean;
  /**
   * Media encryption (the account's mediaenc, module srtp.so): `srtp` is best-effort SDES (a=crypto
   * in an RTP/AVP offer), `srtp-mand` RTP/SAVP.
   */
  mediaenc?: 'srtp' | 'srtp-mand';
}

/** One ctrl_tcp event, e.g. `{ type: 'CALL_ESTABLISHED', peeruri: 'sip:bob@example.com', ... }`. */
export interface BaresipEvent {
  type: string;
  accountaor?: string;
  peeruri?: string;
  direction?: string;
  param?: string;
  [key: string]: unknown;
}

interface Pending {
  resolve: (value: { ok: boolean; data: string }) => void;
  reject: (error: Error) => void;
}

/** A running baresip with its ctrl_tcp connection, its log and its recordings. */
export class BaresipUa {
  readonly events: BaresipEvent[] = [];
  private log = '';
  private ctrl: Socket | undefined;
  private inbox = Buffer.alloc(0);
  private pending = new Map<string, Pending>();
  private token = 0;
  private eventWaiters: Array<{ match: (e: BaresipEvent) => boolean; resolve: (e: BaresipEvent) => void }> =
    [];

  private constructor(
    readonly options: BaresipOptions,
    readonly child: Child,
    readonly dir: string,
    readonly sipPort: number,
    readonly ctrlPort: number,
    /** First of the RTP ports this instance may use (10 of them). */
    readonly rtpPortMin: number,
    readonly recordingDir: string,
  ) {
    const keep = (chunk: string): void => {
      // The status line (audio=... bit/s) is redrawn with \r ten times a second: drop those.
      const text = chunk.replace(/\[\d+:\d\d:\d\d\] audio=[^\r\n]*\r?/g, '');
      this.log = (this.log + text).slice(-LOG_KEEP);
    };
    child.process.stdout?.on('data', keep);
    child.process.stderr?.on('data', keep);
  }

  static async start(bin: string, options: BaresipOptions): Promise<BaresipUa> {
    // baresip binds UDP+TCP on the SIP port and TLS on port+1.
    const sipPort = await allocatePorts(4);
    const ctrlPort = sipPort + 3;
    // RTP on an even port, RTCP on the next: keep the 10-port range even-aligned (baresip rounds down).
    const rtpBlock = await allocatePorts(11);
    const rtpPortMin = rtpBlock % 2 === 0 ? rtpBlock : rtpBlock + 1;
    const dir = mkdtempSync(join(tmpdir(), `sb-baresip-${options.name}-`));
    const recordingDir = join(dir, 'recordings');
    mkdirSync(recordingDir);
    writeFileSync(
      join(dir, 'config'),
      [
        `module_path ${MODULE_DIR}`,
        'poll_method epoll',
        `sip_listen 127.0.0.1:${sipPort}`,
        ...(options.cafile ? [`sip_cafile ${options.cafile}`] : []),
        'net_interface 127.0.0.1',
        'call_local_timeout 60',
        'call_max_calls 4',
        'audio_player aubridge,nil',
        'audio_alert aubridge,nil',
        `audio_source aufile,${options.toneWav}`,
        'ausrc_srate 8000',
        'auplay_srate 8000',
        'ausrc_channels 1',
        'auplay_channels 1',
        `rtp_ports ${rtpPortMin}-${rtpPortMin + 9}`,
        'rtcp_mux no',
        'jitter_buffer_delay 1-5',
        'module g711.so',
        'module aufile.so',
        'module aubridge.so',
        'module sndfile.so',
        ...(options.mediaenc ? ['module srtp.so'] : []),
        'module_tmp account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        `snd_path ${recordingDir}`,
        '',
      ].join('\n'),
    );
    const account =
      `<sip:${options.user}@${options.domain}>;auth_pass=${options.password};` +
      `outbound="sip:127.0.0.1:${options.registrarPort};transport=${options.transport ?? 'udp'}";regint=600;` +
      `answermode=${options.autoAnswer ? 'auto' : 'manual'};audio_codecs=PCMU,PCMA` +
      (options.mediaenc ? `;mediaenc=${options.mediaenc}` : '');
    writeFileSync(join(dir, 'accounts'), `${account}\n`);
    writeFileSync(join(dir, 'contacts'), '');
    const stdbuf = findBinary('stdbuf');
    const own = [...(options.sipTrace ? ['-s'] : []), '-f', dir];
    const [command, args] = stdbuf ? [stdbuf, ['-oL', '-eL', bin, ...own]] : [bin, own];
    const child = new Child(`baresip ${options.name}`, command, args, { cwd: dir });
    const ua = new BaresipUa(options, child, dir, sipPort, ctrlPort, rtpPortMin, recordingDir);
    try {
      await waitForBound(ctrlPort, 10_000, () => child.alive, 'tcp');
      await ua.connectCtrl();
    } catch (error) {
      await ua.stop();
      throw new Error(`baresip ${options.name} did not start: ${(error as Error).message}\n${ua.report()}`);
    }
    return ua;
  }

  get aor(): string {
    return `sip:${this.options.user}@${this.options.domain}`;
  }

  /** The whole log so far (status-line redraws removed). */
  get output(): string {
    return this.log;
  }

  report(): string {
    const events = this.events.map((e) => `${e.type}${e.param ? ` ${e.param}` : ''}`).join(', ');
    return `${this.child.report()}\n--- log (last 3000) ---\n${this.log.slice(-3000)}\n--- events ---\n${events}`;
  }

  /** Sends a ctrl_tcp command (`dial`, `hangup`, ...) and resolves with its response. */
  command(command: string, params = '', timeoutMs = 5_000): Promise<{ ok: boolean; data: string }> {
    const token = String(++this.token);
    const body = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip ${this.options.name}: no response to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ctrl!.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /** Resolves with the first event (already seen or to come, after `since`) that matches. */
  waitForEvent(match: (e: BaresipEvent) => boolean, timeoutMs: number, since = 0): Promise<BaresipEvent> {
    const seen = this.events.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: BaresipEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.eventWaiters = this.eventWaiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `baresip ${this.options.name}: no matching event within ${timeoutMs} ms\n${this.report()}`,
          ),
        );
      }, timeoutMs);
      this.eventWaiters.push(waiter);
    });
  }

  /** Resolves once the log (from offset `since` of `output`) matches `pattern`, or rejects after timeoutMs. */
  async waitForLog(pattern: RegExp, timeoutMs: number, since = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.log.slice(since).match(pattern);
      if (m) return m;
      if (!this.child.alive) throw new Error(`baresip ${this.options.name} exited\n${this.report()}`);
      if (Date.now() > deadline) {
        throw new Error(`baresip ${this.options.name}: log never matched ${pattern}\n${this.report()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** WAV files sndfile wrote so far (`dump-<time>-dec.wav`: what it heard; `-enc`: what it sent). */
  recordings(): string[] {
    return readdirSync(this.recordingDir)
      .filter((f) => f.endsWith('.wav'))
      .sort()
      .map((f) => join(this.recordingDir, f));
  }

  async stop(): Promise<ExitInfo & { killed: boolean }> {
    this.ctrl?.destroy();
    const exit = await this.child.stop(5_000);
    return exit;
  }

  /** Removes the config and recordings. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private connectCtrl(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.ctrlPort, '127.0.0.1', () => resolve());
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.on('close', () => {
        for (const p of this.pending.values()) p.reject(new Error('ctrl_tcp connection closed'));
        this.pending.clear();
      });
      this.ctrl = socket;
    });
  }

  private receive(chunk: Buffer): void {
    this.inbox = Buffer.concat([this.inbox, chunk]);
    for (;;) {
      const colon = this.inbox.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.inbox.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length)) {
        this.inbox = Buffer.alloc(0);
        return;
      }
      if (this.inbox.length < colon + 1 + length + 1) return;
      const body = this.inbox.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.inbox = this.inbox.subarray(colon + 1 + length + 1);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(body) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (message['response'] === true) {
        const token = String(message['token'] ?? '');
        const p = this.pending.get(token);
        this.pending.delete(token);
        p?.resolve({ ok: message['ok'] === true, data: String(message['data'] ?? '') });
      } else if (message['event'] === true) {
        const event = message as BaresipEvent;
        this.events.push(event);
        for (const w of [...this.eventWaiters]) {
          if (!w.match(event)) continue;
          this.eventWaiters = this.eventWaiters.filter((x) => x !== w);
          w.resolve(event);
        }
      }
    }
  }
}
