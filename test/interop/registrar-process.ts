import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Child, type ExitInfo } from './child.js';
import { missingPeerReason, peersRequired, requirePeer } from './peers.js';
import { allocatePorts } from './ports.js';
import { repoRoot, switchboardBuilt, switchboardEntry } from './repo.js';
import { waitForSipAnswer } from './sip-probe.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';

const run = promisify(execFile);

/** The realm and domain every registrar test uses. */
export const DOMAIN = 'example.com';

export interface TestSubscriber {
  username: string;
  password: string;
}

export interface RegistrarSetup {
  subscribers: TestSubscriber[];
  /** DIDs (E.164) pointing at a subscriber's username. */
  numbers?: Array<{ number: string; username: string }>;
  /**
   * Nonce lifetime in seconds: SWITCHBOARD_AUTH_NONCE_LIFETIME for Switchboard, the auth module's
   * nonce_expire for Kamailio. Leave unset for the server's default.
   */
  nonceLifetimeS?: number;
  /**
   * Digest algorithms the registrar challenges with, in the order of its WWW-Authenticate /
   * Proxy-Authenticate headers: SWITCHBOARD_AUTH_ALGORITHMS for Switchboard. Unset, the tests run on
   * the default (MD5 alone), whatever the environment says. SIPp 3.6.1 answers only the first
   * challenge and only MD5; baresip 1.0.0 fails on any SHA-256 challenge in a 401/407 ("Function not
   * implemented"). Kamailio's stand-in always challenges with MD5 alone.
   */
  digestAlgorithms?: Array<'MD5' | 'SHA-256'>;
  /** The domain's own algorithms (`domain add --auth-algorithms`), which win over digestAlgorithms. */
  domainAuthAlgorithms?: Array<'MD5' | 'SHA-256'>;
  /** More environment for Switchboard's node (e.g. SWITCHBOARD_B2BUA_MODE); ignored by Kamailio. */
  env?: Record<string, string>;
}

/** A registrar + proxy for example.com on 127.0.0.1:port (UDP). */
export interface RegistrarProcess {
  readonly name: string;
  readonly port: number;
  readonly child: Child;
  report(): string;
  stop(): Promise<ExitInfo & { killed: boolean }>;
  /**
   * `registrations --json` output (Switchboard) once it names every one of `expected`, or as it is
   * after 5 s; undefined where the target has no such command. The command reads the store, which
   * the node writes back every location.flushInterval ms, so it trails the node a little.
   */
  registrations(expected: string[]): Promise<string | undefined>;
  /** Runs the Switchboard CLI on the node's data directory (undefined on Kamailio). */
  cli?(args: string[]): Promise<string>;
}

export interface RegistrarUnderTest {
  name: string;
  /** Why the tests cannot run here, or undefined. */
  unavailable: string | undefined;
  /** The target is the Kamailio stand-in (no SHA-256, no `registrations` command). */
  isKamailio: boolean;
  start(setup: RegistrarSetup): Promise<RegistrarProcess>;
}

/**
 * The registrar the interop tests drive: Switchboard (`node dist/cli/main.js start --domain
 * example.com`, provisioned through its CLI), or with SWITCHBOARD_INTEROP_TARGET=kamailio a Kamailio
 * built from fixtures/kamailio-registrar-interop.cfg, to validate the harness without src/.
 */
export function registrarUnderTest(): RegistrarUnderTest {
  if (process.env['SWITCHBOARD_INTEROP_TARGET'] === 'kamailio') {
    const bin = requirePeer('kamailio', 'kamailio');
    return {
      name: 'kamailio (SWITCHBOARD_INTEROP_TARGET=kamailio)',
      unavailable: bin ? undefined : missingPeerReason('kamailio', 'kamailio'),
      isKamailio: true,
      start: (setup) => startKamailioRegistrar(bin!, setup),
    };
  }
  const built = switchboardBuilt();
  const reason = `${switchboardEntry} missing: run npm run build`;
  if (!built && peersRequired()) throw new Error(reason);
  return {
    name: 'switchboard',
    unavailable: built ? undefined : reason,
    isKamailio: false,
    start: startSwitchboardRegistrar,
  };
}

/** Runs `node dist/cli/main.js ARGS --data-dir DIR` and returns its stdout; throws with its output on failure. */
export async function switchboardCli(dataDir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [switchboardEntry, ...args, '--data-dir', dataDir], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'test' },
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `switchboard ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/** Provisions the domain, subscribers and numbers into a fresh data dir through the CLI. */
export async function provisionSwitchboard(dataDir: string, setup: RegistrarSetup): Promise<void> {
  const own = setup.domainAuthAlgorithms;
  await switchboardCli(dataDir, [
    'domain',
    'add',
    DOMAIN,
    ...(own ? ['--auth-algorithms', own.join(',')] : []),
  ]);
  for (const s of setup.subscribers) {
    await switchboardCli(dataDir, ['subscriber', 'add', `${s.username}@${DOMAIN}`, '--password', s.password]);
  }
  for (const n of setup.numbers ?? []) {
    await switchboardCli(dataDir, ['number', 'add', n.number, `${n.username}@${DOMAIN}`]);
  }
}

async function startSwitchboardRegistrar(setup: RegistrarSetup): Promise<RegistrarProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-registrar-'));
  const port = await allocatePorts(1);
  try {
    await provisionSwitchboard(dataDir, setup);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const env = nodeEnv({
    ...(setup.nonceLifetimeS === undefined
      ? {}
      : { SWITCHBOARD_AUTH_NONCE_LIFETIME: String(setup.nonceLifetimeS) }),
    ...setup.env,
  });
  if (setup.digestAlgorithms !== undefined)
    env['SWITCHBOARD_AUTH_ALGORITHMS'] = setup.digestAlgorithms.join(',');
  const child = spawnDataDirNode({ port, dataDir, domain: DOMAIN, apiPort: 0, logLevel: 'warn', env });
  const registrar: RegistrarProcess = {
    name: 'switchboard',
    port,
    child,
    report: () => child.report(),
    stop: async () => {
      const exit = await child.stop(5_000);
      rmSync(dataDir, { recursive: true, force: true });
      return exit;
    },
    cli: (args) => switchboardCli(dataDir, args),
    registrations: async (expected) => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const listed = await switchboardCli(dataDir, ['registrations', '--json']);
        if (expected.every((e) => listed.includes(e)) || Date.now() > deadline) return listed;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
  await awaitNodeStarted(child, 'listening', () => registrar.stop());
  return registrar;
}

function cfgString(value: string): string {
  if (!/^[\w.+@-]*$/.test(value)) throw new Error(`not usable in the Kamailio cfg: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

/** fixtures/kamailio-registrar-interop.cfg with the port, nonce lifetime, passwords and numbers filled in. */
export function kamailioRegistrarCfg(port: number, setup: RegistrarSetup): string {
  const template = readFileSync(
    join(repoRoot, 'test', 'interop', 'fixtures', 'kamailio-registrar-interop.cfg'),
    'utf8',
  );
  const passwords = setup.subscribers
    .map(
      (s) =>
        `  if ($var(user) == ${cfgString(s.username)}) { $var(known) = 1; $var(pw) = ${cfgString(s.password)}; }`,
    )
    .join('\n');
  const numbers = (setup.numbers ?? [])
    .map((n) => `  if ($rU == ${cfgString(n.number)}) { $rU = ${cfgString(n.username)}; }`)
    .join('\n');
  return template
    .replace('__PORT__', String(port))
    .replace('__NONCE_EXPIRE__', String(setup.nonceLifetimeS ?? 300))
    .replace('__PASSWORDS__', passwords)
    .replace('__NUMBERS__', numbers || '  return;');
}

async function startKamailioRegistrar(bin: string, setup: RegistrarSetup): Promise<RegistrarProcess> {
  const port = await allocatePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'sb-kamreg-'));
  const cfgFile = join(dir, 'kamailio-registrar-interop.cfg');
  writeFileSync(cfgFile, kamailioRegistrarCfg(port, setup));
  const args = ['-f', cfgFile, '-m', '64', '-DD', '-E', '-w', dir, '-P', join(dir, 'kamailio.pid')];
  const child = new Child('kamailio', bin, args, { cwd: dir });
  const registrar: RegistrarProcess = {
    name: 'kamailio',
    port,
    child,
    report: () => child.report(),
    stop: async () => {
      const exit = await child.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
      return exit;
    },
    registrations: async () => undefined,
  };
  try {
    await waitForSipAnswer(port, 10_000, () => child.alive);
  } catch (error) {
    await registrar.stop();
    throw new Error(`kamailio did not start: ${(error as Error).message}\n${child.report()}`);
  }
  return registrar;
}
