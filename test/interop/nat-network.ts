import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findBinary } from './peers.js';

const run = promisify(execFile);

/**
 * Three network namespaces for NAT tests: `public` (the node and the callers), `router` (iptables
 * MASQUERADE from the LAN to the public side) and `lan` (the phone, with a private address). The
 * public side has no route to the LAN: only the router's NAT binding reaches the phone. Names carry
 * the test process's pid, so parallel runs do not collide; links are created inside the namespaces.
 */
export interface NatNetwork {
  readonly publicNs: string;
  readonly routerNs: string;
  readonly lanNs: string;
  /** The node's address on the public side. */
  readonly publicAddress: string;
  /** The router's public address: what the node sees as the phone's source. */
  readonly routerPublicAddress: string;
  /** The phone's private address. */
  readonly lanAddress: string;
  /** Runs a command in one of the namespaces; resolves with its stdout. */
  exec(ns: string, command: string[], timeoutMs?: number): Promise<string>;
  /** The argv prefix that runs a program in a namespace (`ip netns exec NAME`). */
  wrap(ns: string): string[];
  /** Deletes the namespaces (and with them their links and NAT state); never throws. */
  destroy(): Promise<void>;
}

/** Why NAT tests cannot run here (not root, no ip or iptables), or undefined. */
export function natNetworkUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!findBinary('ip')) return 'ip not installed (Debian package iproute2)';
  if (!findBinary('iptables')) return 'iptables not installed (Debian package iptables)';
  return undefined;
}

export async function createNatNetwork(tag: string): Promise<NatNetwork> {
  const ip = findBinary('ip')!;
  const iptables = findBinary('iptables')!;
  const id = `${tag}-${process.pid}`;
  const publicNs = `sbnat-pub-${id}`;
  const routerNs = `sbnat-rtr-${id}`;
  const lanNs = `sbnat-lan-${id}`;
  const sh = async (args: string[]): Promise<string> => {
    try {
      return (await run(args[0]!, args.slice(1), { timeout: 10_000 })).stdout;
    } catch (error) {
      const e = error as Error & { stderr?: string };
      throw new Error(`${args.join(' ')}: ${e.message}\n${e.stderr ?? ''}`);
    }
  };
  const created: string[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of created.reverse()) await run(ip, ['netns', 'delete', ns]).catch(() => {});
  };
  try {
    for (const ns of [publicNs, routerNs, lanNs]) {
      await sh([ip, 'netns', 'add', ns]);
      created.push(ns);
      await sh([ip, '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // public <-> router (198.51.100.0/24, TEST-NET-2) and router <-> lan (10.20.0.0/24).
    await sh([
      ip,
      '-n',
      routerNs,
      'link',
      'add',
      'wan0',
      'type',
      'veth',
      'peer',
      'name',
      'pub0',
      'netns',
      publicNs,
    ]);
    await sh([
      ip,
      '-n',
      routerNs,
      'link',
      'add',
      'lan0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      lanNs,
    ]);
    await sh([ip, '-n', publicNs, 'addr', 'add', '198.51.100.1/24', 'dev', 'pub0']);
    await sh([ip, '-n', routerNs, 'addr', 'add', '198.51.100.254/24', 'dev', 'wan0']);
    await sh([ip, '-n', routerNs, 'addr', 'add', '10.20.0.1/24', 'dev', 'lan0']);
    await sh([ip, '-n', lanNs, 'addr', 'add', '10.20.0.2/24', 'dev', 'eth0']);
    for (const [ns, dev] of [
      [publicNs, 'pub0'],
      [routerNs, 'wan0'],
      [routerNs, 'lan0'],
      [lanNs, 'eth0'],
    ] as const) {
      await sh([ip, '-n', ns, 'link', 'set', dev, 'up']);
    }
    await sh([ip, '-n', lanNs, 'route', 'add', 'default', 'via', '10.20.0.1']);
    await sh([ip, 'netns', 'exec', routerNs, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await sh([
      ip,
      'netns',
      'exec',
      routerNs,
      iptables,
      '-t',
      'nat',
      '-A',
      'POSTROUTING',
      '-o',
      'wan0',
      '-j',
      'MASQUERADE',
    ]);
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    publicNs,
    routerNs,
    lanNs,
    publicAddress: '198.51.100.1',
    routerPublicAddress: '198.51.100.254',
    lanAddress: '10.20.0.2',
    exec: (ns, command, timeoutMs = 10_000) =>
      run(ip, ['netns', 'exec', ns, ...command], { timeout: timeoutMs }).then((r) => r.stdout),
    wrap: (ns) => [ip, 'netns', 'exec', ns],
    destroy,
  };
}
