import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child.js';
import { allocatePorts } from './ports.js';
import { nextHopUri, type ProxyOptions, type ProxyProcess } from './proxy-process.js';
import { yardstickDir } from './repo.js';
import { waitForSipAnswer } from './sip-probe.js';

const LISTEN_LINE = 'listen=udp:127.0.0.1:5060';
const NEXT_HOP = '"sip:127.0.0.1:5080"';
const CHILDREN = /^children=\d+$/m;

export interface KamailioOptions extends ProxyOptions {
  /**
   * UDP worker processes (the yardstick has 2). Several workers can put a relayed 180 on the wire
   * after the 200 of the same INVITE, which SIPp's built-in uac counts as a failed call.
   */
  children?: number;
}

/** The yardstick config with the listen port and next hop rewritten; throws if the cfg changed shape. */
export function rewriteKamailioCfg(cfg: string, port: number, options: KamailioOptions): string {
  if (!cfg.includes(LISTEN_LINE) || !cfg.includes(NEXT_HOP) || !CHILDREN.test(cfg)) {
    throw new Error(
      `kamailio-proxy.cfg no longer has ${LISTEN_LINE}, ${NEXT_HOP}, children=: update the harness`,
    );
  }
  const listen = [`listen=udp:127.0.0.1:${port}`];
  if (options.transport === 'tcp') listen.push(`listen=tcp:127.0.0.1:${port}`);
  let out = cfg.replace(LISTEN_LINE, listen.join('\n')).replaceAll(NEXT_HOP, `"${nextHopUri(options)}"`);
  if (options.children !== undefined) out = out.replace(CHILDREN, `children=${options.children}`);
  return out;
}

/**
 * Starts Kamailio (`-DD -E`: no daemon, log to stderr) from a rewritten copy of
 * bench/yardstick/kamailio-proxy.cfg in a temp dir, and waits until it answers a SIP probe.
 */
export async function startKamailio(bin: string, options: KamailioOptions): Promise<ProxyProcess> {
  const port = await allocatePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'sb-kamailio-'));
  const cfgFile = join(dir, 'kamailio-proxy.cfg');
  const source = readFileSync(join(yardstickDir, 'kamailio-proxy.cfg'), 'utf8');
  writeFileSync(cfgFile, rewriteKamailioCfg(source, port, options));
  const args = ['-f', cfgFile, '-m', '128', '-DD', '-E', '-w', dir, '-P', join(dir, 'kamailio.pid')];
  const child = new Child('kamailio', bin, args, { cwd: dir });
  const proxy: ProxyProcess = {
    name: 'kamailio',
    port,
    child,
    report: () => child.report(),
    stop: async () => {
      const exit = await child.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
      return exit;
    },
  };
  try {
    await waitForSipAnswer(port, 10_000, () => child.alive);
  } catch (error) {
    await proxy.stop();
    throw new Error(`kamailio did not start: ${(error as Error).message}\n${child.report()}`);
  }
  return proxy;
}
