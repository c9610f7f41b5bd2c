import { describe, expect, it } from 'vitest';
import { startKamailio } from './kamailio-process.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { withProxyChain } from './proxy-chain.js';
import { proxyUnderTest } from './proxy-under-test.js';
import { describeSipp, runSippUac, type SippResult } from './sipp.js';

// SIPp uac → proxy → SIPp uas on loopback: load over UDP and TCP, and SIPp-simulated loss
// (-lost), which only a correct transaction layer (retransmissions, absorption) survives.
const sipp = requirePeer('sipp', 'sip-tester');
const kamailio = requirePeer('kamailio', 'kamailio');
const target = proxyUnderTest();
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');
const kamailioMissing = kamailio ? undefined : missingPeerReason('kamailio', 'kamailio');

function expectAllCompleted(result: SippResult, calls: number, proxyReport: string): void {
  const why = `${describeSipp(result)}\n${proxyReport}`;
  expect(result.failed, why).toBe(0);
  expect(result.successful, why).toBe(calls);
}

describe.skipIf(!sipp || target.unavailable)(
  suiteTitle(`proxy interop: SIPp through ${target.name}`, [sippMissing, target.unavailable]),
  () => {
    const bin = sipp!;

    it('completes 2,000 calls over UDP at 400 cps with none failed', { timeout: 45_000 }, async () => {
      await withProxyChain({ sipp: bin, startProxy: target.start, transport: 'udp' }, async (proxy) => {
        const result = await runSippUac(bin, {
          target: `127.0.0.1:${proxy.port}`,
          transport: 'udp',
          rate: 400,
          calls: 2_000,
          timeoutS: 30,
        });
        expectAllCompleted(result, 2_000, proxy.report());
      });
    });

    it('completes 2,000 calls over TCP at 400 cps with none failed', { timeout: 45_000 }, async () => {
      await withProxyChain({ sipp: bin, startProxy: target.start, transport: 'tcp' }, async (proxy) => {
        const result = await runSippUac(bin, {
          target: `127.0.0.1:${proxy.port}`,
          transport: 'tcp',
          rate: 400,
          calls: 2_000,
          timeoutS: 30,
        });
        expectAllCompleted(result, 2_000, proxy.report());
      });
    });

    it('completes every call when the client loses 5% of its messages', { timeout: 60_000 }, async () => {
      await withProxyChain({ sipp: bin, startProxy: target.start, transport: 'udp' }, async (proxy) => {
        const result = await runSippUac(bin, {
          target: `127.0.0.1:${proxy.port}`,
          transport: 'udp',
          rate: 50,
          calls: 200,
          lost: 5,
          recvTimeoutMs: 20_000,
          timeoutS: 40,
        });
        expectAllCompleted(result, 200, proxy.report());
      });
    });

    describe.skipIf(!kamailio)(suiteTitle('beside kamailio', [kamailioMissing]), () => {
      // SIPp drops 10% on the client and 5% on the server; SIPp itself abandons a few calls, so
      // compare with Kamailio under the same loss in the same run rather than expect 100%.
      const calls = 400;
      const run = (startProxy: typeof target.start): Promise<SippResult> =>
        withProxyChain({ sipp: bin, startProxy, transport: 'udp', uasLost: 5 }, (proxy) =>
          runSippUac(bin, {
            target: `127.0.0.1:${proxy.port}`,
            transport: 'udp',
            rate: 80,
            calls,
            lost: 10,
            recvTimeoutMs: 20_000,
            timeoutS: 45,
          }),
        );

      it('completes as many calls as kamailio with loss on both sides', { timeout: 130_000 }, async () => {
        const yardstick = await run((options) => startKamailio(kamailio!, options));
        const result = await run(target.start);
        console.log(
          `loss 10%/5%, ${calls} calls at 80 cps\n` +
            `kamailio: ${describeSipp(yardstick).split('\n')[1]}\n${target.name}: ${describeSipp(result).split('\n')[1]}`,
        );
        expect(yardstick.successful, `yardstick run\n${describeSipp(yardstick)}`).toBeGreaterThan(
          calls * 0.8,
        );
        expect(result.successful, describeSipp(result)).toBeGreaterThanOrEqual(
          yardstick.successful - Math.ceil(calls * 0.02),
        );
      });
    });
  },
);
