import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Child } from './child.js';
import { type EdgeNode, NODE_ADDRESS, startEdgeNode } from './edge-node.js';
import { missingPeerReason, requirePeer, requireSipvicious, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN } from './registrar-process.js';
import { repoRoot } from './repo.js';
import { describeSipp, runSipp, type SippResult, sippPorts } from './sipp.js';

// sipvicious against a node (issue 11): its scanners announce themselves (User-Agent
// friendly-scanner) and are dropped unanswered and banned at their first packet; with scanner
// detection off, svwar cannot tell users apart (every REGISTER is answered 401 alike) and svcrack
// is banned after edge.authFailures.count wrong passwords. A phone on another address registers
// throughout and never fails.
const svmap = requireSipvicious('svmap');
const svwar = requireSipvicious('svwar');
const svcrack = requireSipvicious('svcrack');
const sipp = requirePeer('sipp', 'sip-tester');
const missing = [
  svmap && svwar && svcrack ? undefined : missingPeerReason('svmap/svwar/svcrack', 'sipvicious'),
  sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
];
const scenario = join(repoRoot, 'test', 'interop', 'scenarios', 'edge-register.xml');

// 100's password is one svcrack -r1000-1100 reaches at its 51st guess: found in 2 s when nothing stops it.
const SUBSCRIBERS = [
  { username: '100', password: '1050' },
  { username: '101', password: 's3cret-101' },
];
/** sipvicious sends from 127.0.0.1 whatever its -b says (see edge-node.ts). */
const SCANNER = '127.0.0.1';

interface ToolRun {
  output: string;
  startedAt: number;
}

/** One sipvicious run (its own local port, stopped after `seconds`), with everything it printed. */
async function runTool(bin: string, args: string[], seconds: number): Promise<ToolRun> {
  const localPort = await allocatePorts(1);
  const startedAt = Date.now();
  const child = new Child('sipvicious', bin, ['-P', String(localPort), ...args], { cwd: tmpdir() });
  const exit = await Promise.race([
    child.exited,
    new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
  ]);
  if (exit === undefined) await child.stop(2_000);
  return { output: child.report(), startedAt };
}

interface BanJson {
  address: string;
  reason: string;
  since: string;
}

async function bansOf(node: EdgeNode): Promise<BanJson[]> {
  return JSON.parse(await node.cli(['ban', 'list', '--json'])) as BanJson[];
}

/** A phone at 127.0.0.3 registering 101 once a second, `count` times. */
async function phoneRegistering(node: EdgeNode, count: number): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-edge-inf-'));
  try {
    const inf = join(dir, 'users.csv');
    writeFileSync(inf, 'SEQUENTIAL\n101;[authentication username=101 password=s3cret-101]\n');
    const ports = await sippPorts({ address: '127.0.0.3' });
    return await runSipp(
      sipp!,
      [
        `${NODE_ADDRESS}:${node.port}`,
        '-sf',
        scenario,
        '-inf',
        inf,
        ...ports.args,
        '-auth_uri',
        DOMAIN,
        '-r',
        '1',
        '-m',
        String(count),
        '-l',
        '5',
        '-recv_timeout',
        '5000',
        '-timeout',
        String(count + 20),
      ],
      (count + 30) * 1000,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(missing.some((m) => m !== undefined))(
  suiteTitle('edge interop: sipvicious against a node', missing),
  () => {
    it('bans svmap, svwar and svcrack at their first packet; they learn nothing; a phone keeps registering', {
      timeout: 120_000,
    }, async () => {
      const node = await startEdgeNode({ subscribers: SUBSCRIBERS });
      try {
        const phone = phoneRegistering(node, 20);
        const target = ['-p', String(node.port), NODE_ADDRESS];

        const map = await runTool(svmap!, target, 10);
        let bans = await bansOf(node);
        const scan = bans.find((b) => b.address === SCANNER);
        expect(scan, `${map.output}\n${node.report()}`).toMatchObject({ reason: 'scanner' });
        // Banned at its first packet: the ban starts within 2 s of svmap's start.
        expect(Date.parse(scan!.since) - map.startedAt).toBeLessThan(2_000);
        expect(map.output).toContain('found nothing');
        expect(await node.cli(['ban', 'lift', SCANNER])).toContain(`lifted the ban of ${SCANNER}`);

        const war = await runTool(svwar!, ['-e100-110', '--domain', DOMAIN, ...target], 15);
        expect(war.output).not.toMatch(/extension '\d+' (exists|probably exists)/);
        bans = await bansOf(node);
        expect(bans.find((b) => b.address === SCANNER)).toMatchObject({ reason: 'scanner' });
        await node.cli(['ban', 'lift', SCANNER]);

        const crack = await runTool(svcrack!, ['-u100', '-r1000-1100', '--domain', DOMAIN, ...target], 15);
        expect(crack.output).not.toContain('1050');
        expect((await bansOf(node)).find((b) => b.address === SCANNER)).toMatchObject({ reason: 'scanner' });

        expect(await node.metric('switchboard_edge_bans_total{reason="scanner"}')).toBe(3);
        expect(await node.metric('switchboard_edge_packets_dropped_total{reason="scanner"}')).toBe(3);
        // The phone never tripped anything: every registration went through.
        const result = await phone;
        expect(result.failed, describeSipp(result)).toBe(0);
        expect(result.successful, describeSipp(result)).toBe(20);
        expect((await bansOf(node)).map((b) => b.address)).toEqual([SCANNER]);
      } finally {
        await node.stop();
      }
    });

    it('with scanner detection off: svwar learns no user, svcrack is banned for failed authentications and cracks nothing', {
      timeout: 120_000,
    }, async () => {
      // The flood check off too, so that what stops svcrack is the failed-authentication budget.
      const node = await startEdgeNode({
        subscribers: SUBSCRIBERS,
        config: { edge: { scanners: { userAgents: [] }, flood: { requests: 0 } } },
      });
      try {
        const phone = phoneRegistering(node, 10);
        const target = ['-p', String(node.port), NODE_ADDRESS];

        // Existing (100, 101) and unknown extensions alike get 401: svwar finds none.
        const war = await runTool(svwar!, ['--force', '-e100-110', '--domain', DOMAIN, ...target], 20);
        expect(war.output).toContain('found nothing');
        expect(war.output).not.toMatch(/extension '\d+' (exists|probably exists)/);
        expect(await bansOf(node)).toEqual([]);

        const crack = await runTool(svcrack!, ['-u100', '-r1000-1100', '--domain', DOMAIN, ...target], 20);
        expect(crack.output).not.toContain('1050');
        const ban = (await bansOf(node)).find((b) => b.address === SCANNER);
        expect(ban, `${crack.output}\n${node.report()}`).toMatchObject({ reason: 'auth' });
        expect(await node.metric('switchboard_edge_bans_total{reason="auth"}')).toBe(1);

        const result = await phone;
        expect(result.failed, describeSipp(result)).toBe(0);
        expect(result.successful, describeSipp(result)).toBe(10);
      } finally {
        await node.stop();
      }
    });
  },
);
