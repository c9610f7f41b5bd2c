import { NgClient } from '../../src/media/ng/index.js';
import { Child, type ExitInfo } from './child.js';
import { requirePeer } from './peers.js';
import { portFree } from './ports.js';

/** Ports the rtpengine interop tests own: ng control, and media (rtpengine's and the recorder's). */
export const RTPENGINE_NG_PORTS = { min: 22230, max: 22239 } as const;
export const RTPENGINE_MEDIA_PORTS = { min: 41000, max: 41999 } as const;

/** rtpengine's path, undefined to skip (throws instead when SWITCHBOARD_REQUIRE_PEERS=1). */
export function rtpenginePeer(): string | undefined {
  return requirePeer('rtpengine', 'rtpengine-daemon');
}

export interface RtpengineOptions {
  /** ng port; the first free one of 22230-22239 when absent. */
  ngPort?: number;
  /** rtpengine's own media ports (it allocates RTP/RTCP pairs from them). */
  portMin: number;
  portMax: number;
  extraArgs?: readonly string[];
}

export interface RtpengineProcess {
  /** `127.0.0.1:<ngPort>`, for NgClient. */
  readonly ngAddress: string;
  readonly ngPort: number;
  readonly child: Child;
  report(): string;
  stop(): Promise<ExitInfo & { killed: boolean }>;
}

async function freeNgPort(): Promise<number> {
  for (let port = RTPENGINE_NG_PORTS.min; port <= RTPENGINE_NG_PORTS.max; port++) {
    if (await portFree(port)) return port;
  }
  throw new Error(`no free ng port in ${RTPENGINE_NG_PORTS.min}-${RTPENGINE_NG_PORTS.max}`);
}

/** Resolves once rtpengine answers an ng ping (it binds the ng socket after startup work). */
async function waitForPong(address: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const client = new NgClient(address, { timeoutMs: 150, attempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (!alive()) throw new Error('rtpengine exited before answering ping');
      try {
        await client.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`no ng pong within ${timeoutMs} ms: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.close();
  }
}

/**
 * Starts rtpengine in the foreground, userspace only (`--table=-1`: no kernel module), logging to
 * stderr, with no config file, and waits until it answers ng `ping`. `--delete-delay=0` makes
 * `delete` drop the call at once (the default keeps it 30 s), so a test sees media stop promptly.
 * (Not `--no-fallback`: that flag REQUIRES the kernel module.)
 */
export async function startRtpengine(bin: string, options: RtpengineOptions): Promise<RtpengineProcess> {
  const ngPort = options.ngPort ?? (await freeNgPort());
  const ngAddress = `127.0.0.1:${ngPort}`;
  const args = [
    '--interface=127.0.0.1',
    `--listen-ng=${ngAddress}`,
    '--table=-1',
    `--port-min=${options.portMin}`,
    `--port-max=${options.portMax}`,
    '--foreground',
    '--log-stderr',
    '--config-file=none',
    '--delete-delay=0',
    ...(options.extraArgs ?? []),
  ];
  const child = new Child('rtpengine', bin, args);
  const engine: RtpengineProcess = {
    ngAddress,
    ngPort,
    child,
    report: () => child.report(),
    stop: () => child.stop(5_000),
  };
  try {
    await waitForPong(ngAddress, 10_000, () => child.alive);
  } catch (error) {
    await engine.stop();
    throw new Error(`rtpengine did not start: ${(error as Error).message}\n${child.report()}`);
  }
  return engine;
}
