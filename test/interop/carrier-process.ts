import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, type ExitInfo } from './child.js';
import { allocatePorts, waitForBound } from './ports.js';
import { repoRoot } from './repo.js';

/** A carrier that wants registration: Kamailio from fixtures/kamailio-carrier.cfg. */
export interface CarrierSetup {
  /** A loopback address of its own (127.0.0.2), so the node tells it from its subscribers. */
  address: string;
  realm: string;
  username: string;
  password: string;
  /** The account's DID: calls to it go to the account's registered Contact. */
  did: string;
  /** The longest registration the carrier grants (registrar max_expires), in seconds. */
  maxExpires: number;
}

export interface CarrierProcess {
  address: string;
  port: number;
  child: Child;
  /** Kamailio's log lines so far that start with `carrier:` (its xlog of REGISTERs and INVITEs). */
  log(): string[];
  report(): string;
  stop(): Promise<ExitInfo & { killed: boolean }>;
}

function cfgValue(value: string): string {
  if (!/^[\w.+@-]+$/.test(value)) throw new Error(`not usable in the Kamailio cfg: ${JSON.stringify(value)}`);
  return value;
}

/** The fixture with the placeholders filled in. */
export function carrierCfg(port: number, setup: CarrierSetup): string {
  const template = readFileSync(
    join(repoRoot, 'test', 'interop', 'fixtures', 'kamailio-carrier.cfg'),
    'utf8',
  );
  const values: Record<string, string> = {
    __ADDRESS__: setup.address,
    __PORT__: String(port),
    __MAX_EXPIRES__: String(setup.maxExpires),
    __REALM__: setup.realm,
    __USERNAME__: setup.username,
    __PASSWORD__: setup.password,
    __DID__: setup.did,
  };
  let cfg = template;
  for (const [name, value] of Object.entries(values)) cfg = cfg.replaceAll(name, cfgValue(value));
  if (/__[A-Z_]+__/.test(cfg))
    throw new Error('kamailio-carrier.cfg has a placeholder the harness does not fill');
  return cfg;
}

/** Starts Kamailio (`-DD -E`: foreground, log to stderr) as the carrier, waiting until it listens. */
export async function startCarrier(bin: string, setup: CarrierSetup): Promise<CarrierProcess> {
  const port = await allocatePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'sb-carrier-'));
  const cfgFile = join(dir, 'kamailio-carrier.cfg');
  writeFileSync(cfgFile, carrierCfg(port, setup));
  const lines: string[] = [];
  const child = new Child(
    'kamailio carrier',
    bin,
    ['-f', cfgFile, '-m', '64', '-DD', '-E', '-w', dir, '-P', join(dir, 'kamailio.pid')],
    { cwd: dir },
  );
  let partial = '';
  child.process.stderr?.on('data', (chunk: string) => {
    const split = (partial + String(chunk)).split('\n');
    partial = split.pop() ?? '';
    for (const line of split) {
      const at = line.indexOf('carrier: ');
      if (at >= 0) lines.push(line.slice(at));
    }
  });
  const carrier: CarrierProcess = {
    address: setup.address,
    port,
    child,
    log: () => [...lines],
    report: () => child.report(),
    stop: async () => {
      const exit = await child.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
      return exit;
    },
  };
  try {
    await waitForBound(port, 10_000, () => child.alive, 'udp');
  } catch (error) {
    await carrier.stop();
    throw new Error(`kamailio (carrier) did not start: ${(error as Error).message}\n${child.report()}`);
  }
  return carrier;
}
