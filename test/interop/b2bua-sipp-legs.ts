import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { repoRoot } from './repo.js';
import { runSipp, type SippResult, sippPorts, startSippUas } from './sipp.js';
import { parseSippMessages, type TracedMessage } from './sipp-messages.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

// What the b2bua-*-sipp tests set up around the node: SIPp's callee behind the node's default
// route, tracing what it sees, the node whose B2BUA takes every call, and SIPp callers from
// 127.0.0.1 over UDP dialling bob at the node.

export const b2buaScenario = (name: string): string => join(repoRoot, 'test/interop/scenarios', name);

/** SIPp answering on 127.0.0.1 over UDP. */
export interface SippCallee {
  port: number;
  /** sip:127.0.0.1:port, the node's default route to it. */
  route: string;
  /** What it sent and received (its -trace_msg log, read after stop(); none when it was never reached). */
  messages(): TracedMessage[];
  stop(): Promise<void>;
}

/** Starts SIPp's callee running `scenario` (its built-in uas when undefined), tracing into `traceFile`. */
export async function startSippCallee(
  bin: string,
  options: { scenario?: string; traceFile?: string } = {},
): Promise<SippCallee> {
  const { scenario, traceFile } = options;
  const uas = await startSippUas(bin, {
    transport: 'udp',
    ...(scenario ? { scenario: b2buaScenario(scenario) } : {}),
    ...(traceFile ? { extraArgs: ['-trace_msg', '-message_file', traceFile] } : {}),
  });
  return {
    port: uas.port,
    route: `sip:127.0.0.1:${uas.port}`,
    messages: () =>
      traceFile && existsSync(traceFile) ? parseSippMessages(readFileSync(traceFile, 'utf8')) : [],
    stop: () => uas.stop(),
  };
}

/** The settings of a node whose B2BUA takes every call to `callee`, signalling only: SIPp's SDP passes unchanged. */
export function signallingB2buaEnv(callee: SippCallee): Record<string, string> {
  return {
    SWITCHBOARD_B2BUA_MODE: 'all',
    SWITCHBOARD_B2BUA_ANCHOR_MEDIA: 'false',
    SWITCHBOARD_PROXY_DEFAULT_ROUTE: callee.route,
  };
}

/** A fresh node for b2bua.test with `signallingB2buaEnv(callee)` and `env` added. */
export async function startSignallingB2bua(
  callee: SippCallee,
  env: Record<string, string> = {},
): Promise<TrunkNode> {
  return startTrunkNode(await prepareTrunkNode(), {
    domain: 'b2bua.test',
    env: { ...signallingB2buaEnv(callee), ...env },
  });
}

/** Stops the node and removes its data; it must have exited 0 (a clean stop with calls just ended). */
export async function stopCleanly(node: TrunkNode): Promise<void> {
  const exit = await node.stop();
  node.cleanup();
  expect(exit.code, node.report()).toBe(0);
}

export interface SippCallerOptions {
  /** A scenario of test/interop/scenarios; SIPp's built-in uac when undefined. */
  scenario?: string;
  /** -m: calls in all (1). */
  calls?: number;
  /** -r: calls per second. */
  rate?: number;
  /** -d: how long the built-in uac holds each call, ms. */
  pauseMs?: number;
  /** -recv_timeout: how long one message may be awaited before the call fails, ms. */
  recvTimeoutMs: number;
  /** -timeout: SIPp stops itself after this long, s. */
  timeoutS: number;
  /** The harness kills SIPp after this long, ms. */
  deadlineMs: number;
  /** More SIPp arguments (-key ...). */
  extraArgs?: string[];
  /** Return SIPp's message log in the result's `messages`. */
  trace?: boolean;
}

/** Runs SIPp calling bob at the node on `nodePort` from 127.0.0.1 over UDP, to completion. */
export async function runSippCaller(
  bin: string,
  nodePort: number,
  options: SippCallerOptions,
): Promise<SippResult> {
  const ports = await sippPorts({ transport: 'udp' });
  const o = options;
  return runSipp(
    bin,
    [
      ...(o.scenario ? ['-sf', b2buaScenario(o.scenario)] : ['-sn', 'uac']),
      `127.0.0.1:${nodePort}`,
      '-s',
      'bob',
      ...ports.args,
      '-m',
      String(o.calls ?? 1),
      ...(o.rate === undefined ? [] : ['-r', String(o.rate)]),
      ...(o.pauseMs === undefined ? [] : ['-d', String(o.pauseMs)]),
      '-recv_timeout',
      String(o.recvTimeoutMs),
      '-timeout',
      String(o.timeoutS),
      ...(o.extraArgs ?? []),
    ],
    o.deadlineMs,
    { traceMessages: o.trace ?? false },
  );
}
