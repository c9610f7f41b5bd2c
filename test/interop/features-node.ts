import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, type ExitInfo } from './child.js';
import { challengesOf, digestAuthorization, RegisterClient } from './digest-client.js';
import { allocatePorts, waitForBound } from './ports.js';
import { DOMAIN, provisionSwitchboard, switchboardCli, type TestSubscriber } from './registrar-process.js';
import { repoRoot } from './repo.js';
import { describeSipp, runSipp, type SippResult, sippPorts } from './sipp.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';

/** The SIPp scenarios of the call-feature tests. */
export const SCENARIOS = join(repoRoot, 'test', 'interop', 'scenarios');

/** A Switchboard node serving example.com, its data directory open to the CLI while it runs. */
export interface FeatureNode {
  port: number;
  dataDir: string;
  child: Child;
  /** `switchboard ARGS --data-dir <its dir>`: provisioning while the node runs. */
  cli(args: string[]): Promise<string>;
  /** Its Prometheus text (GET /metrics with the API key). */
  metrics(): Promise<string>;
  /** A request to the node's HTTP API with its API key; status and parsed JSON body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** REGISTER `user`'s phone at 127.0.0.1:phonePort (through a Path to it, as behind an edge proxy). */
  register(user: TestSubscriber, phonePort: number): Promise<void>;
  /** Remove every binding of `user` (Expires: 0 with Contact: *). */
  unregister(user: TestSubscriber): Promise<void>;
  stop(): Promise<ExitInfo & { killed: boolean }>;
}

export async function startFeatureNode(
  subscribers: TestSubscriber[],
  numbers: Array<{ number: string; username: string }> = [],
  /** Node settings added to the environment (SWITCHBOARD_*). */
  env: Record<string, string> = {},
): Promise<FeatureNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-features-'));
  const port = await allocatePorts(1);
  const apiPort = await allocatePorts(1);
  let apiKey: string;
  try {
    await provisionSwitchboard(dataDir, { subscribers, numbers });
    apiKey = (
      JSON.parse(await switchboardCli(dataDir, ['apikey', 'add', 'interop', '--json'])) as { key: string }
    ).key;
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const child = spawnDataDirNode({
    port,
    dataDir,
    domain: DOMAIN,
    apiPort,
    logLevel: 'warn',
    env: nodeEnv(env),
  });
  const registerAs = async (user: TestSubscriber, contact: string, expires: number, headers: string[]) => {
    const client = await RegisterClient.open(port);
    try {
      const base = { user: user.username, domain: DOMAIN, expires, contact, headers };
      const challenged = await client.register({ ...base, cseq: 1 });
      const challenge = challengesOf(challenged).find((c) => c.algorithm.toUpperCase() === 'MD5');
      if (!challenge) throw new Error(`REGISTER for ${user.username}: no MD5 challenge\n${challenged.raw}`);
      const authorization = digestAuthorization({
        challenge,
        username: user.username,
        password: user.password,
        method: 'REGISTER',
        uri: `sip:${DOMAIN}`,
        nc: 1,
        cnonce: randomBytes(8).toString('hex'),
      });
      const done = await client.register({ ...base, cseq: 2, authorization });
      if (done.status !== 200) throw new Error(`REGISTER for ${user.username}: ${done.status}\n${done.raw}`);
    } finally {
      client.close();
    }
  };
  const node: FeatureNode = {
    port,
    dataDir,
    child,
    cli: (more) => switchboardCli(dataDir, more),
    metrics: async () =>
      (
        await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })
      ).text(),
    api: async (method, path, body) => {
      const response = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    register: (user, phonePort) =>
      registerAs(user, `<sip:${user.username}@127.0.0.1:${phonePort}>`, 600, [
        'Supported: path',
        `Path: <sip:127.0.0.1:${phonePort};lr>`,
      ]),
    unregister: (user) => registerAs(user, '*', 0, []),
    stop: async () => {
      const exit = await child.stop(5_000);
      rmSync(dataDir, { recursive: true, force: true });
      return exit;
    },
  };
  await awaitNodeStarted(child, 'listening', () => node.stop());
  return node;
}

/** A SIPp phone running one scenario for one call, its messages traced. */
export interface SippPhone {
  port: number;
  child: Child;
  /** Resolves when its one call is over (or it was stopped). */
  exited: Promise<ExitInfo>;
  /** Every message it sent and received so far (SIPp -trace_msg). */
  messages(): string;
  stop(): Promise<void>;
}

export async function startSippPhone(bin: string, scenario: string): Promise<SippPhone> {
  const ports = await sippPorts({ transport: 'udp' });
  const dir = mkdtempSync(join(tmpdir(), 'sb-sipp-phone-'));
  const messageFile = join(dir, 'messages.log');
  const args = [
    '-sf',
    join(SCENARIOS, scenario),
    ...ports.args,
    '-m',
    '1',
    '-nostdin',
    '-trace_msg',
    '-message_file',
    messageFile,
  ];
  const child = new Child(`sipp ${scenario}`, bin, args, { cwd: dir });
  const phone: SippPhone = {
    port: ports.sip,
    child,
    exited: child.exited,
    messages: () => (existsSync(messageFile) ? readFileSync(messageFile, 'latin1') : ''),
    stop: async () => {
      await child.stop(2_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForBound(ports.sip, 5_000, () => child.alive, 'udp');
  } catch (error) {
    await phone.stop();
    throw new Error(`${(error as Error).message}\n${child.report()}`);
  }
  return phone;
}

export interface CallOptions {
  /** The user part alice dials. */
  to: string;
  /** P-Preferred-Identity alice offers (default her own AoR). */
  ppi?: string;
  answered: boolean;
  timeoutS?: number;
  /** A caller of another network (`+49301111111@carrier.net`, no credentials) instead of alice. */
  external?: string;
}

/** alice (SIPp, digest) calls `to` through the node, once; the message trace is returned. */
export async function aliceCalls(
  bin: string,
  node: FeatureNode,
  alicePassword: string,
  options: CallOptions,
): Promise<SippResult> {
  const ports = await sippPorts({ transport: 'udp' });
  const timeoutS = options.timeoutS ?? 20;
  const args = [
    '-sf',
    join(
      SCENARIOS,
      options.external
        ? 'features-external-caller.xml'
        : options.answered
          ? 'features-caller-answered.xml'
          : 'features-caller-refused.xml',
    ),
    `127.0.0.1:${node.port}`,
    ...ports.args,
    '-s',
    options.to,
    '-au',
    'alice',
    '-ap',
    alicePassword,
    '-key',
    'ppi',
    options.ppi ?? `sip:alice@${DOMAIN}`,
    '-key',
    'caller',
    options.external ?? 'nobody@invalid',
    '-m',
    '1',
    '-recv_timeout',
    String(timeoutS * 1000),
    '-timeout',
    String(timeoutS),
  ];
  return runSipp(bin, args, timeoutS * 1000 + 10_000, { traceMessages: true });
}

/** What a failed call assertion shows: SIPp's summary, alice's messages, each phone's, and the node's log. */
export function callReport(node: FeatureNode, result: SippResult, ...phones: SippPhone[]): string {
  return `${describeSipp(result)}\n--- alice's messages ---\n${result.messages}\n${phones
    .map((p) => `--- ${p.child.report()}\n${p.messages()}`)
    .join('\n')}\n--- node ---\n${node.child.report()}`;
}

/** The messages of a SIPp trace, each as its text. */
export function tracedMessages(trace: string): string[] {
  return trace
    .split(/^-{5,}.*$/m)
    .map((m) => m.trim())
    .filter((m) => /^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/m.test(m));
}

/** The first message in a trace whose start line matches, as start line and header values. */
export function firstMessage(
  trace: string,
  start: RegExp,
): { startLine: string; header(name: string): string[] } | undefined {
  for (const text of tracedMessages(trace)) {
    const lines = text.split(/\r?\n/);
    const at = lines.findIndex((l) => start.test(l));
    if (at < 0) continue;
    const headers = lines.slice(
      at + 1,
      lines.indexOf('', at + 1) < 0 ? undefined : lines.indexOf('', at + 1),
    );
    return {
      startLine: lines[at]!,
      header: (name) =>
        headers
          .filter((h) => h.slice(0, h.indexOf(':')).trim().toLowerCase() === name.toLowerCase())
          .map((h) => h.slice(h.indexOf(':') + 1).trim()),
    };
  }
  return undefined;
}
