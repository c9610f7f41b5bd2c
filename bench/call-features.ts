/**
 * What call features cost an INVITE to a subscriber: the pipeline's subscriber stages run on one
 * request after another against an SQLite store (a file, as on a node) with 10,000 subscribers
 * of one domain, half of them with settings of their own and the domain with defaults and a
 * numbering plan — first callee lookup alone (what a node without call features does), then
 * normalise-number, caller-features and callee-features (which then decides instead of callee
 * lookup), for a proven caller dialling a callee by national number. Decisions per second and
 * µs per INVITE, one after another (no concurrency: the store is the cost).
 * Run: npx tsc -p tsconfig.json --outDir .bench-build && node .bench-build/bench/call-features.js [--subscribers=N] [--seconds=S]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLocationService } from '../src/location/index.js';
import { LocalDomains } from '../src/registrar/index.js';
import { Forwarding } from '../src/routing/features/forwarding.js';
import { type RequestStage, RoutingContext } from '../src/routing/index.js';
import { CalleeFeatures } from '../src/routing/stages/callee-features.js';
import { CalleeLookup } from '../src/routing/stages/callee-lookup.js';
import { CallerFeatures } from '../src/routing/stages/caller-features.js';
import { NormaliseNumber } from '../src/routing/stages/normalise-number.js';
import type { SipRequest } from '../src/sip/message/index.js';
import { parseMessage } from '../src/sip/parser/index.js';
import { SqliteProvisioningStore } from '../src/store/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const subscriberCount = option('subscribers', 10_000);
const seconds = option('seconds', 3);
const DOMAIN = 'example.com';

const number = (i: number) => `+4930${String(1_000_000 + i)}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-features-'));
  const store = await SqliteProvisioningStore.open(join(dir, 'switchboard.db'));
  try {
    await store.addDomain(DOMAIN);
    await store.importSubscribers(
      Array.from({ length: subscriberCount }, (_, i) => ({
        username: `u${i}`,
        domain: DOMAIN,
        password: 'x',
      })),
    );
    for (let i = 0; i < subscriberCount; i++) {
      await store.addAlias({ alias: number(i), domain: DOMAIN, username: `u${i}`, kind: 'number' });
      if (i % 2 === 0)
        await store.features.updateSubscriberFeatures(`u${i}`, DOMAIN, {
          forwardBusy: `u${(i + 1) % subscriberCount}`,
          forwardNoAnswer: 'sip:voicemail@example.com',
          barOutgoing: ['+1900*', '00*'],
        });
    }
    await store.features.updateDomainFeatures(DOMAIN, {
      rejectAnonymous: false,
      numbering: { countryCode: '49', nationalPrefix: '0', internationalPrefix: '00', areaCode: '30' },
    });
    const location = new MemoryLocationService({ sweepIntervalMs: 0 });
    const far = Date.now() + 3_600_000;
    for (let i = 0; i < subscriberCount; i++) {
      const aor = `sip:u${i}@${DOMAIN}`;
      await location.update(aor, {
        remove: [],
        add: [
          {
            aor,
            contact: `sip:u${i}@10.0.${i >> 8}.${i & 255}:5060`,
            expiresAt: far,
            q: 1,
            callId: `c${i}`,
            cseq: 1,
            source: { protocol: 'udp', address: '10.0.0.1', port: 5060 },
            path: [],
            updatedAt: Date.now(),
          },
        ],
      });
    }
    const services = { store, location, domains: new LocalDomains(store), features: store.features };
    const forwarding = new Forwarding(services, { defaultRoute: undefined });
    const lookupOnly: RequestStage[] = [new CalleeLookup(services)];
    const withFeatures: RequestStage[] = [
      new NormaliseNumber(services),
      new CallerFeatures(services),
      new CalleeFeatures(services, forwarding),
      new CalleeLookup(services),
    ];

    const request = (i: number, dialled: string): SipRequest =>
      parseMessage(
        Buffer.from(
          [
            `INVITE sip:${dialled}@${DOMAIN} SIP/2.0`,
            `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-${i}`,
            'Max-Forwards: 70',
            `From: "U" <sip:u${i}@${DOMAIN}>;tag=${i}`,
            `To: <sip:${dialled}@${DOMAIN}>`,
            `Call-ID: bench-${i}`,
            'CSeq: 1 INVITE',
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        ),
      ) as SipRequest;

    const run = async (label: string, stages: RequestStage[], dialled: (callee: number) => string) => {
      let done = 0;
      const end = Date.now() + seconds * 1000;
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      while (Date.now() < end) {
        for (let k = 0; k < 200; k++, done++) {
          const caller = done % subscriberCount;
          const callee = (done * 7919) % subscriberCount;
          const context = new RoutingContext({ protocol: 'udp', address: '10.0.0.1', port: 5060 }, undefined);
          context.domain = DOMAIN;
          context.caller = { aor: `sip:u${caller}@${DOMAIN}`, user: `u${caller}`, domain: DOMAIN };
          const req = request(done, dialled(callee));
          for (const stage of stages) {
            const decision = await stage.decide(req, context);
            if (decision.kind !== 'continue') {
              if (decision.kind !== 'forward')
                throw new Error(`${label}: ${decision.kind} for ${req.uriText}`);
              break;
            }
          }
        }
      }
      const wallUs = Number(process.hrtime.bigint() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuUs = used.user + used.system;
      console.log(
        `${label.padEnd(46)} ${String(Math.round(done / (wallUs / 1e6))).padStart(7)} INVITEs/s  ` +
          `${(cpuUs / done).toFixed(1).padStart(6)} µs CPU per INVITE`,
      );
    };

    console.log(`${subscriberCount} subscribers (half with own features), ${seconds} s per run`);
    await run('callee lookup alone (by number, E.164)', lookupOnly, (callee) => number(callee));
    await run('call features, dialled E.164', withFeatures, (callee) => number(callee));
    await run(
      'call features, dialled national (0301…)',
      withFeatures,
      (callee) => `0${number(callee).slice(3)}`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
