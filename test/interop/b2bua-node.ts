import { rmSync } from 'node:fs';
import { NgClient } from '../../src/media/ng/index.js';
import { untilDefined } from '../support/until.js';
import { startMediaAnchor } from './media-anchor.js';
import type { RtpengineProcess } from './rtpengine-process.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

/** `list()` once it has `count` items, or as it is after 5 s (the test's assertion then says what is missing). */
export function atLeast<T>(count: number, list: () => Promise<T[]>): Promise<T[]> {
  return untilDefined(
    async () => {
      const items = await list();
      return items.length >= count ? items : undefined;
    },
    5_000,
    `${count} items`,
    100,
  ).catch(list);
}

/** A CDR as GET /v1/cdrs gives it (the fields these tests read). */
export interface B2buaCdr {
  status: number;
  cause: number;
  hangup: string;
  disposition: string;
  reason?: string;
  billableSeconds: number;
}

/** A node whose B2BUA takes every call, media anchored on the built-in relay or a real rtpengine. */
export interface B2buaNode {
  node: TrunkNode;
  engine: RtpengineProcess | undefined;
  /** The CDRs, once there are at least `count` (each is written just after its call ends). */
  cdrs(count?: number): Promise<B2buaCdr[]>;
  /** What the calls left behind: B2BUA calls, UA timers, relay sessions and ports (built-in) or rtpengine calls. */
  leftovers(): Promise<{
    calls: number | undefined;
    uaTimers: number | undefined;
    relaySessions: number | undefined;
    relayPorts?: number;
  }>;
  report(): string;
  /** Stops the node (and rtpengine); the node's exit status. */
  stop(): Promise<number | null>;
}

function metric(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/**
 * Starts the node on `relay` (`builtin`: 20 ports of its own; `rtpengine`: the given binary on
 * `rtpenginePortOffset` above the rtpengine tests' block) with `env` added (the default route,
 * timers, b2bua.* keys).
 */
export async function startB2buaNode(options: {
  relay: 'builtin' | 'rtpengine';
  rtpengine?: string;
  rtpenginePortOffset?: number;
  env: Record<string, string>;
}): Promise<B2buaNode> {
  const media = await startMediaAnchor({
    relay: options.relay,
    ports: options.relay === 'builtin' ? 20 : 40,
    rtpengine: options.rtpengine,
    ...(options.rtpenginePortOffset === undefined ? {} : { rtpengineOffset: options.rtpenginePortOffset }),
  });
  const engine = media.engine;
  const env = { SWITCHBOARD_B2BUA_MODE: 'all', ...options.env, ...media.env };
  const prepared = await prepareTrunkNode();
  let node: TrunkNode;
  try {
    node = await startTrunkNode(prepared, { domain: 'b2bua.test', env });
  } catch (error) {
    rmSync(prepared.dataDir, { recursive: true, force: true });
    await engine?.stop();
    throw error;
  }
  return {
    node,
    engine,
    cdrs: (count = 0) =>
      atLeast(count, async () => (await node.get<{ cdrs: B2buaCdr[] }>('/v1/cdrs')).body.cdrs),
    async leftovers() {
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      const calls = metric(metrics, 'switchboard_b2bua_calls_active');
      const uaTimers = metric(metrics, 'switchboard_ua_timers');
      if (!engine) {
        const relayPorts = metric(metrics, 'switchboard_media_ports');
        return {
          calls,
          uaTimers,
          relaySessions: metric(metrics, 'switchboard_media_sessions'),
          ...(relayPorts === undefined ? {} : { relayPorts }),
        };
      }
      const ng = new NgClient(engine.ngAddress);
      try {
        const list = await ng.request('list', { limit: 100 });
        return {
          calls,
          uaTimers,
          relaySessions: Array.isArray(list['calls']) ? list['calls'].length : undefined,
        };
      } finally {
        await ng.close();
      }
    },
    report: () => `${node.report()}\n${engine?.report() ?? ''}`,
    async stop() {
      const exit = await node.stop();
      node.cleanup();
      await engine?.stop();
      return exit.code;
    },
  };
}
