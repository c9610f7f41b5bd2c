import { join } from 'node:path';
import { expect } from 'vitest';
import { runSippCaller, startSignallingB2bua, startSippCallee, stopCleanly } from './b2bua-sipp-legs.js';
import type { SippResult } from './sipp.js';
import { headerValues, parseSippMessages, type TracedMessage } from './sipp-messages.js';
import type { TrunkNode } from './trunk-node.js';

/** A CDR as GET /v1/cdrs and `switchboard cdr list --json` give it. */
export interface Cdr {
  id: string;
  callerCallId: string;
  calleeCallId: string;
  status: number;
  cause: number;
  hangup: string;
  disposition: string;
  billableSeconds: number;
  answerAt?: string;
}

/** What one run showed: SIPp's totals, both sides' message traces, the node's metrics and CDRs. */
export interface B2buaSippRun {
  result: SippResult;
  caller: TracedMessage[];
  callee: TracedMessage[];
  node: TrunkNode;
  metrics: string;
  cdrs: Cdr[];
  cliCdrs: Cdr[];
}

/** The first value of a header of a traced message. */
export function one(message: TracedMessage | undefined, name: string): string {
  if (!message) throw new Error(`no message to read ${name} from`);
  return headerValues(message, name)[0] ?? '';
}

export const tagOf = (nameAddr: string): string | undefined => /;\s*tag=([^;>\s]+)/.exec(nameAddr)?.[1];

/** switchboard_b2bua_calls_ended_total for one disposition. */
export function endedCalls(metrics: string, disposition: string): number {
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith(`switchboard_b2bua_calls_ended_total{disposition="${disposition}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * SIPp caller → a node whose B2BUA takes every call (b2bua.mode all, signalling only) → SIPp
 * callee behind the node's default route: a callee running `uasScenario` (built-in uas when
 * undefined), `calls` calls of `uacScenario` (built-in uac when undefined); `env` adds node settings.
 */
export async function b2buaSippCall(
  bin: string,
  scratch: string,
  uacScenario: string | undefined,
  uasScenario: string | undefined,
  calls = 1,
  env: Record<string, string> = {},
): Promise<B2buaSippRun> {
  const uas = await startSippCallee(bin, {
    ...(uasScenario ? { scenario: uasScenario } : {}),
    traceFile: join(scratch, `uas-${Date.now()}.log`),
  });
  let node: TrunkNode | undefined;
  try {
    node = await startSignallingB2bua(uas, env);
    const result = await runSippCaller(bin, node.port, {
      ...(uacScenario ? { scenario: uacScenario } : {}),
      calls,
      rate: 5,
      pauseMs: 200,
      recvTimeoutMs: 10_000,
      timeoutS: 30,
      deadlineMs: 40_000,
      trace: true,
    });
    // The last call's ends settle (the callee's ACK, the CDR) before the node is asked.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
    const listed = await node.get<{ cdrs: Cdr[] }>('/v1/cdrs');
    expect(listed.status).toBe(200);
    const cliCdrs = (JSON.parse(await node.cli(['cdr', 'list', '--json'])) as { cdrs: Cdr[] }).cdrs;
    await uas.stop();
    const caller = parseSippMessages(result.messages ?? '');
    return { result, caller, callee: uas.messages(), node, metrics, cdrs: listed.body.cdrs, cliCdrs };
  } finally {
    await uas.stop();
    if (node) await stopCleanly(node);
  }
}
