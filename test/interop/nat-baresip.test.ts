import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { Child } from './child.js';
import { createNatNetwork, type NatNetwork, natNetworkUnavailable } from './nat-network.js';
import { findBinary, missingPeerReason, peersRequired, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard, switchboardCli } from './registrar-process.js';
import { repoRoot, switchboardBuilt, switchboardEntry } from './repo.js';
import { describeSipp, runSipp, sippPorts } from './sipp.js';
import { nodeEnv } from './switchboard-node.js';
import { writeToneWav } from './wav.js';

// NAT traversal on a real NAT: baresip in a LAN namespace (10.20.0.2) behind a router namespace
// doing iptables MASQUERADE registers with the node in a public namespace (198.51.100.1), which has
// no route back to the LAN. A SIPp caller on the public side reaches the phone through its NAT
// binding (Contact alias, SDP repaired to the NAT's address, ACK and BYE sent to the binding); the
// node keeps the binding open with OPTIONS every 2 s, which the phone answers; once the router
// stops forwarding, 2 unanswered keep-alives remove the binding and calls get 480.
const baresip = requirePeer('baresip', 'baresip');
const sipp = requirePeer('sipp', 'sip-tester');
const network = natNetworkUnavailable();
if (network && peersRequired()) throw new Error(`NAT interop: ${network}`);
const built = switchboardBuilt() ? undefined : `${switchboardEntry} missing: run npm run build`;
const skip = [
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
  sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  network,
  built,
];

const ALICE = { username: 'alice', password: 'alice-Nat-7' };
const KEEPALIVE_S = 2;
const KEEPALIVE_FAILURES = 2;

/** The phone's transport: UDP (OPTIONS keep-alives) or TCP (CRLF on its connection). */
type PhoneTransport = 'udp' | 'tcp';
const protocolNumber: Record<PhoneTransport, number> = { udp: 1, tcp: 2 };
const keepaliveKind: Record<PhoneTransport, string> = { udp: 'options', tcp: 'crlf' };

for (const transport of ['udp', 'tcp'] as const) natSuite(transport);

function natSuite(transport: PhoneTransport): void {
  describe.skipIf(skip.some((r) => r !== undefined))(
    suiteTitle(
      `a phone behind iptables MASQUERADE registers over ${transport.toUpperCase()}, is called and kept alive`,
      skip,
    ),
    () => {
      let net: NatNetwork;
      let dataDir: string;
      let phoneDir: string;
      let node: Child;
      let phone: Child;
      let nodePort: number;
      let apiPort: number;

      const reports = (): string => `${node?.report()}\n--- baresip ---\n${phone?.report()}`;

      /** The node's /metrics, read inside the public namespace. */
      async function metric(name: string): Promise<number> {
        const script = `fetch('http://127.0.0.1:${apiPort}/metrics').then(r=>r.text()).then(t=>process.stdout.write(t))`;
        const text = await net.exec(net.publicNs, [process.execPath, '-e', script]);
        let total = 0;
        for (const line of text.split('\n')) {
          if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
            total += Number(line.split(' ').at(-1));
        }
        return total;
      }

      /** Rethrows `e` with the node's and baresip's output, which say why a wait failed. */
      const withReports = (e: Error): never => {
        throw new Error(`${e.message}\n${reports()}`);
      };

      async function callAlice() {
        const ports = await sippPorts({ address: net.publicAddress });
        return runSipp(
          net.wrap(net.publicNs)[0]!,
          [
            ...net.wrap(net.publicNs).slice(1),
            sipp!,
            `${net.publicAddress}:${nodePort}`,
            '-sf',
            join(repoRoot, 'test', 'interop', 'scenarios', 'nat-caller.xml'),
            '-s',
            ALICE.username,
            ...ports.args,
            '-m',
            '1',
            '-recv_timeout',
            '10000',
            '-timeout',
            '30',
          ],
          40_000,
          { traceMessages: true },
        );
      }

      beforeAll(async () => {
        net = await createNatNetwork(transport);
        dataDir = mkdtempSync(join(tmpdir(), 'sb-nat-node-'));
        phoneDir = mkdtempSync(join(tmpdir(), 'sb-nat-phone-'));
        await provisionSwitchboard(dataDir, { subscribers: [ALICE] });
        nodePort = await allocatePorts(1);
        apiPort = await allocatePorts(1);
        node = new Child(
          'switchboard',
          net.wrap(net.publicNs)[0]!,
          [
            ...net.wrap(net.publicNs).slice(1),
            process.execPath,
            switchboardEntry,
            'start',
            '--sip-port',
            String(nodePort),
            '--sip-listen',
            net.publicAddress,
            '--data-dir',
            dataDir,
            '--domain',
            DOMAIN,
            '--api-port',
            String(apiPort),
            '--log-level',
            'info',
          ],
          {
            cwd: repoRoot,
            env: nodeEnv({
              SWITCHBOARD_NAT_KEEPALIVE_INTERVAL: String(KEEPALIVE_S),
              SWITCHBOARD_NAT_KEEPALIVE_TIMEOUT: '1',
              SWITCHBOARD_NAT_KEEPALIVE_FAILURES: String(KEEPALIVE_FAILURES),
            }),
          },
        );
        await node.waitForLine((line) => line.includes('API listening'), 15_000);

        const sipPort = await allocatePorts(4);
        const rtp = await allocatePorts(11);
        const rtpMin = rtp % 2 === 0 ? rtp : rtp + 1;
        writeToneWav(join(phoneDir, 'tone.wav'), 800, 30);
        writeFileSync(
          join(phoneDir, 'config'),
          [
            'module_path /usr/lib/baresip/modules',
            'poll_method epoll',
            `sip_listen ${net.lanAddress}:${sipPort}`,
            `net_interface ${net.lanAddress}`,
            'audio_player aubridge,nil',
            'audio_alert aubridge,nil',
            `audio_source aufile,${join(phoneDir, 'tone.wav')}`,
            'ausrc_srate 8000',
            'auplay_srate 8000',
            'ausrc_channels 1',
            'auplay_channels 1',
            `rtp_ports ${rtpMin}-${rtpMin + 9}`,
            'rtcp_mux no',
            'module g711.so',
            'module aufile.so',
            'module aubridge.so',
            'module_tmp account.so',
            'module_app menu.so',
            '',
          ].join('\n'),
        );
        writeFileSync(
          join(phoneDir, 'accounts'),
          `<sip:${ALICE.username}@${DOMAIN}>;auth_pass=${ALICE.password};` +
            `outbound="sip:${net.publicAddress}:${nodePort};transport=${transport}";regint=600;` +
            'answermode=auto;audio_codecs=PCMU\n',
        );
        writeFileSync(join(phoneDir, 'contacts'), '');
        const stdbuf = findBinary('stdbuf');
        phone = new Child('baresip', net.wrap(net.lanNs)[0]!, [
          ...net.wrap(net.lanNs).slice(1),
          ...(stdbuf ? [stdbuf, '-oL', '-eL'] : []),
          baresip!,
          '-f',
          phoneDir,
        ]);
      }, 60_000);

      afterAll(async () => {
        await phone?.stop(3_000);
        if (node) {
          const exit = await node.stop(5_000);
          expect(exit.code, node.report()).toBe(0);
        }
        await net?.destroy();
        for (const dir of [dataDir, phoneDir]) if (dir) rmSync(dir, { recursive: true, force: true });
      });

      it('registers from behind NAT: the binding keeps the private Contact and the NAT source', async () => {
        await phone
          .waitForLine(
            (line) => new RegExp(`\\{0/${transport.toUpperCase()}/v4\\} 200 OK`).test(line),
            15_000,
          )
          .catch(withReports);
        let listed = '';
        await until(
          async () => {
            listed = await switchboardCli(dataDir, ['registrations', '--json']);
            return listed.includes(`${ALICE.username}@${DOMAIN}`);
          },
          10_000,
          'registration stored',
          250,
        ).catch(withReports);
        expect(listed).toContain(net.lanAddress);
        expect(listed).toContain(net.routerPublicAddress);
        await until(
          async () => (await metric('switchboard_nat_registrations')) === 1,
          5_000,
          'a NATed registration counted',
          250,
        ).catch(withReports);
      }, 30_000);

      it('sends a call to the phone through its NAT binding, aliasing its Contact and repairing its SDP', async () => {
        const result = await callAlice();
        expect(result.successful, `${describeSipp(result)}\n${result.messages}\n${reports()}`).toBe(1);
        const messages = result.messages ?? '';
        const literal = (address: string) => address.replaceAll('.', '\\.');
        // baresip's own Contact (a private address) with the NAT binding as alias.
        expect(messages).toMatch(
          new RegExp(
            `Contact: <sip:alice[^@]*@${literal(net.lanAddress)}:\\d+[^>]*;alias=${literal(net.routerPublicAddress)}~\\d+~${protocolNumber[transport]}`,
          ),
        );
        expect(messages).toContain(`X-Seen-Media: c=IN IP4 ${net.routerPublicAddress}`);
        expect(messages).not.toMatch(new RegExp(`c=IN IP4 ${literal(net.lanAddress)}`));
      }, 60_000);

      it(`keeps the binding alive with ${transport === 'udp' ? 'OPTIONS the phone answers' : 'CRLF on its connection'}`, async () => {
        const sent = `switchboard_nat_keepalives_sent_total{kind="${keepaliveKind[transport]}"}`;
        const before = await metric(sent);
        await until(
          async () => (await metric(sent)) >= before + 2,
          4 * KEEPALIVE_S * 1000,
          'two more keep-alives',
          250,
        ).catch(withReports);
        expect(await metric('switchboard_nat_keepalives_failed_total')).toBe(0);
        expect(await metric('switchboard_nat_keepalive_expired_total')).toBe(0);
        expect(await metric('switchboard_nat_registrations')).toBe(1);
      }, 30_000);

      // Over TCP the NAT's silence shows only when the connection breaks (minutes of TCP
      // retransmissions): the expiry is proven over UDP.
      if (transport === 'udp')
        it('removes the binding once the NAT stops passing keep-alives, and calls then get 480', async () => {
          await net.exec(net.routerNs, [findBinary('iptables')!, '-I', 'FORWARD', '-j', 'DROP']);
          await until(
            async () => (await metric('switchboard_nat_keepalive_expired_total')) === 1,
            (KEEPALIVE_FAILURES + 2) * KEEPALIVE_S * 1000 + 5_000,
            'binding expired by keep-alive',
            250,
          ).catch(withReports);
          expect(await metric('switchboard_nat_keepalives_failed_total')).toBeGreaterThanOrEqual(
            KEEPALIVE_FAILURES,
          );
          expect(await metric('switchboard_nat_registrations')).toBe(0);
          await node.waitForLine((line) => line.includes('binding stopped answering keep-alives'), 2_000);
          const result = await callAlice();
          expect(result.successful, describeSipp(result)).toBe(0);
          expect(result.messages ?? '').toMatch(/SIP\/2\.0 480/);
        }, 60_000);
    },
  );
}
