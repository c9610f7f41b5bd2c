import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';

/**
 * A local HTTP server for the headless-browser test: the page, JsSIP bundled for the browser (the
 * npm package ships CommonJS only; esbuild, which vitest already brings, bundles it at test time),
 * and a /report endpoint where the page posts what its user agent saw.
 */

export interface PageReport {
  event: string;
  [key: string]: unknown;
}

export interface PageSetup {
  /** ws:// or wss:// URL of the node's WebSocket listener. */
  socket: string;
  uri: string;
  password: string;
  /** Whom to call once registered. */
  call: string;
  /** Once the call is confirmed: hang it up (BYE) after this many ms; kept up otherwise. */
  hangUpAfterMs?: number;
}

function pageHtml(setup: PageSetup): string {
  const script = `
const setup = ${JSON.stringify(setup)};
const report = (event, extra = {}) =>
  fetch('/report', { method: 'POST', body: JSON.stringify({ event, ...extra }) });
window.onerror = (message) => report('error', { message: String(message) });
try {
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(setup.socket)],
    uri: setup.uri,
    password: setup.password,
    register: true,
    session_timers: false,
  });
  ua.on('registered', () => {
    report('registered');
    const session = ua.call(setup.call, {
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] },
      eventHandlers: {
        peerconnection: (e) => {
          report('peerconnection');
          // Play what arrives, so the receiver decodes it and getStats measures its level.
          e.peerconnection.addEventListener('track', (t) => {
            const audio = new Audio();
            audio.srcObject = t.streams[0] || new MediaStream([t.track]);
            audio.play().catch(() => {});
          });
        },
        // No STUN/TURN and only loopback: send the INVITE with what was gathered so far.
        icecandidate: (e) => e.ready(),
        sending: () => report('sending'),
        progress: (e) => report('progress', { status: e.response ? e.response.status_code : 0 }),
        failed: (e) => report('failed', { cause: e.cause, originator: e.originator, status: e.message ? e.message.status_code : 0 }),
        confirmed: () => {
          report('confirmed');
          // What the browser receives and sends, as the 'stats' report, every 500 ms.
          const stats = setInterval(async () => {
            const out = {};
            (await session.connection.getStats()).forEach((s) => {
              if (s.type === 'inbound-rtp' && s.kind === 'audio') Object.assign(out, { packetsReceived: s.packetsReceived, audioLevel: s.audioLevel, totalAudioEnergy: s.totalAudioEnergy });
              if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent = s.packetsSent;
              if (s.type === 'transport') Object.assign(out, { dtlsState: s.dtlsState, srtpCipher: s.srtpCipher });
            });
            report('stats', out);
          }, 500);
          session.on('ended', () => clearInterval(stats));
          if (setup.hangUpAfterMs !== undefined) setTimeout(() => { clearInterval(stats); session.terminate(); }, setup.hangUpAfterMs);
        },
        ended: (e) => report('ended', { cause: e.cause }),
      },
    });
  });
  ua.on('registrationFailed', (e) => report('registrationFailed', { cause: e.cause }));
  ua.start();
} catch (e) {
  report('error', { message: String(e) });
}`;
  return `<!doctype html><html><head><meta charset="utf-8"><script src="/jssip.js"></script></head><body><script>${script}</script></body></html>`;
}

/** JsSIP as one browser script defining the global `JsSIP`. */
export async function bundleJsSip(): Promise<string> {
  const require = createRequire(import.meta.url);
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [require.resolve('jssip')],
    bundle: true,
    format: 'iife',
    globalName: 'JsSIP',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export class PageServer {
  readonly reports: PageReport[] = [];
  private constructor(readonly server: Server) {}

  static async start(port: number, setup: PageSetup, jssip: string): Promise<PageServer> {
    const reports: PageReport[] = [];
    const server = createServer((request, response) => {
      if (request.method === 'POST' && request.url === '/report') {
        let body = '';
        request.on('data', (d) => (body += d));
        request.on('end', () => {
          try {
            reports.push(JSON.parse(body) as PageReport);
          } catch {
            reports.push({ event: 'unparsable', body });
          }
          response.end();
        });
        return;
      }
      if (request.url === '/jssip.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(jssip);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml(setup));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const page = new PageServer(server);
    (page as { reports: PageReport[] }).reports = reports;
    return page;
  }

  until(event: string, ms: number): Promise<PageReport> {
    return this.untilAny([event], ms);
  }

  /** The first report of one of these events, waiting up to ms. */
  async untilAny(events: string[], ms: number): Promise<PageReport> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.reports.find((r) => events.includes(r.event));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(
          `the page reported no ${events.join('/')} within ${ms} ms: ${JSON.stringify(this.reports)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
