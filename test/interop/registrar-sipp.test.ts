import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengesOf, type DigestChallenge, digestAuthorization, RegisterClient } from './digest-client.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import {
  DOMAIN,
  type RegistrarProcess,
  registrarUnderTest,
  type TestSubscriber,
} from './registrar-process.js';
import { repoRoot } from './repo.js';
import { describeSipp, runSipp, type SippResult, sippPorts } from './sipp.js';
import {
  contactExpires,
  contactUri,
  describeExchange,
  headerValues,
  parseSippMessages,
  splitList,
  type TracedMessage,
} from './sipp-messages.js';

// SIPp (sip-tester 3.6.1) registering against the registrar with digest authentication: the
// scenarios in scenarios/register-*.xml, and a tiny digest client of our own for what SIPp cannot
// say (the same nonce-count twice; SHA-256, which SIPp 3.6.1 cannot compute). The registrar runs on
// the default configuration (MD5 challenges alone), except the suite of a domain opted in to SHA-256.
// SWITCHBOARD_INTEROP_TARGET=kamailio runs the same tests against fixtures/kamailio-registrar-interop.cfg.
const sipp = requirePeer('sipp', 'sip-tester');
const target = registrarUnderTest();
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');
const scenarios = join(repoRoot, 'test', 'interop', 'scenarios');

/** Nonce lifetime for the stale-nonce registrar (SWITCHBOARD_AUTH_NONCE_LIFETIME, seconds). */
const SHORT_NONCE_LIFETIME_S = 2;

const users = {
  lifecycle: { username: 'alice', password: 'alice-Secret-1' },
  wrongPassword: { username: 'bob', password: 'bob-Secret-2' },
  tooBrief: { username: 'carol', password: 'carol-Secret-3' },
  star: { username: 'dave', password: 'dave-Secret-4' },
  replay: { username: 'erin', password: 'erin-Secret-5' },
  stale: { username: 'grace', password: 'grace-Secret-7' },
} satisfies Record<string, TestSubscriber>;

interface ScenarioRun {
  result: SippResult;
  messages: TracedMessage[];
  /** SIPp's SIP port: its Contact is sip:user@127.0.0.1:port. */
  port: number;
  why: string;
}

/** Runs one scenario for one call as `user` (credentials from an injection file) and parses its trace. */
async function runScenario(
  registrar: RegistrarProcess,
  scenario: string,
  user: TestSubscriber,
  options: { password?: string; pauseMs?: number } = {},
): Promise<ScenarioRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-sipp-inf-'));
  try {
    const inf = join(dir, 'users.csv');
    const password = options.password ?? user.password;
    writeFileSync(
      inf,
      `SEQUENTIAL\n${user.username};[authentication username=${user.username} password=${password}]\n`,
    );
    const ports = await sippPorts();
    const args = [
      `127.0.0.1:${registrar.port}`,
      '-sf',
      join(scenarios, scenario),
      '-inf',
      inf,
      ...ports.args,
      '-auth_uri',
      DOMAIN,
      '-m',
      '1',
      '-l',
      '1',
      '-d',
      String(options.pauseMs ?? 0),
      '-recv_timeout',
      '10000',
      '-timeout',
      '30',
    ];
    const result = await runSipp(sipp!, args, 40_000, { traceMessages: true });
    const messages = parseSippMessages(result.messages ?? '');
    const hint = result.stderrTail.includes('createAuthHeader')
      ? 'SIPp 3.6.1 computes MD5 only and answers the first WWW-Authenticate: it must be MD5\n'
      : '';
    const why = `${hint}${describeSipp(result)}\n--- exchange ---\n${describeExchange(messages)}\n--- ${registrar.name} ---\n${registrar.report()}`;
    return { result, messages, port: ports.sip, why };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function received(run: ScenarioRun): TracedMessage[] {
  return run.messages.filter((m) => m.direction === 'received');
}

function contactsOf(message: TracedMessage): string[] {
  return splitList(headerValues(message, 'contact'));
}

function expectCompleted(run: ScenarioRun): void {
  expect(run.result.failed, run.why).toBe(0);
  expect(run.result.successful, run.why).toBe(1);
}

/** Digest challenges in a traced 401/407. */
function tracedChallenges(message: TracedMessage): DigestChallenge[] {
  return challengesOf({
    status: message.status ?? 0,
    reason: '',
    headers: message.headers,
    raw: message.raw,
  });
}

describe.skipIf(!sipp || target.unavailable)(
  suiteTitle(`registrar interop: SIPp registers with ${target.name}`, [sippMissing, target.unavailable]),
  () => {
    let registrar: RegistrarProcess;

    beforeAll(async () => {
      registrar = await target.start({ subscribers: Object.values(users) });
    });

    afterAll(async () => {
      if (!registrar) return;
      const exit = await registrar.stop();
      expect(exit.killed, `${registrar.name} ignored SIGTERM\n${registrar.report()}`).toBe(false);
    });

    it('registers (401, then 200 listing the binding), refreshes and un-registers', async () => {
      const run = await runScenario(registrar, 'register-lifecycle.xml', users.lifecycle);
      expectCompleted(run);
      const mine = `sip:${users.lifecycle.username}@127.0.0.1:${run.port}`;
      const responses = received(run);
      const oks = responses.filter((m) => m.status === 200);
      expect(oks.length, run.why).toBe(3);

      // The default challenge: Digest, realm example.com, MD5 alone (as Kamailio sends), qop=auth.
      const challenge = responses.find((m) => m.status === 401);
      expect(challenge, run.why).toBeDefined();
      const offered = tracedChallenges(challenge!);
      expect(
        offered.map((c) => c.algorithm.toUpperCase()),
        `one MD5 challenge by default\n${run.why}`,
      ).toEqual(['MD5']);
      expect(offered[0]?.realm, run.why).toBe(DOMAIN);
      expect(offered[0]?.qop, run.why).toContain('auth');

      // First registration and refresh: 200 lists our contact with 0 < expires <= 3600.
      for (const ok of oks.slice(0, 2)) {
        const binding = contactsOf(ok).find((c) => contactUri(c) === mine);
        expect(binding, `200 lists ${mine}\n${run.why}`).toBeDefined();
        const expires = contactExpires(binding!);
        expect(expires, `expires of ${binding}\n${run.why}`).toBeGreaterThan(0);
        expect(expires, `expires of ${binding}\n${run.why}`).toBeLessThanOrEqual(3600);
      }
      // Un-registration: 200 without our binding.
      const last = oks[2]!;
      expect(
        contactsOf(last).map(contactUri),
        `200 to Expires: 0 still lists ${mine}\n${run.why}`,
      ).not.toContain(mine);
    });

    it('answers a wrong password with 403', async () => {
      const run = await runScenario(registrar, 'register-wrong-password.xml', users.wrongPassword, {
        password: 'not-the-password',
      });
      expectCompleted(run);
      expect(
        received(run).map((m) => m.status),
        run.why,
      ).toEqual([401, 403]);
    });

    it('answers Expires: 10 with 423 and Min-Expires, then accepts that interval', async () => {
      const run = await runScenario(registrar, 'register-too-brief.xml', users.tooBrief);
      expectCompleted(run);
      const brief = received(run).find((m) => m.status === 423);
      expect(brief, run.why).toBeDefined();
      const minExpires = Number(headerValues(brief!, 'min-expires')[0]);
      expect(minExpires, `Min-Expires of the 423\n${run.why}`).toBeGreaterThan(10);
      const ok = received(run).find((m) => m.status === 200);
      const mine = `sip:${users.tooBrief.username}@127.0.0.1:${run.port}`;
      const binding = contactsOf(ok!).find((c) => contactUri(c) === mine);
      expect(binding, run.why).toBeDefined();
      expect(contactExpires(binding!), run.why).toBeGreaterThanOrEqual(minExpires);

      // The binding is live: Switchboard's `registrations --json` lists it (Kamailio has no such command).
      const listed = await registrar.registrations([mine]);
      if (listed !== undefined) expect(listed, `registrations --json`).toContain(mine);
    });

    it('removes every binding with Contact: * and Expires: 0', async () => {
      const run = await runScenario(registrar, 'register-star.xml', users.star);
      expectCompleted(run);
      const oks = received(run).filter((m) => m.status === 200);
      expect(oks.length, run.why).toBe(2);
      const both = [
        `sip:${users.star.username}@127.0.0.1:${run.port}`,
        `sip:${users.star.username}-desk@127.0.0.1:${run.port}`,
      ];
      const registered = contactsOf(oks[0]!).map(contactUri);
      for (const uri of both) expect(registered, run.why).toContain(uri);
      expect(contactsOf(oks[1]!), `200 to Contact: * lists no binding\n${run.why}`).toEqual([]);
    });

    it('refuses the same nonce-count twice (401 or 403, never 200)', async () => {
      const client = await RegisterClient.open(registrar.port);
      try {
        const u = users.replay;
        const base = { user: u.username, domain: DOMAIN, expires: 600 };
        const challenged = await client.register({ ...base, cseq: 1 });
        expect(challenged.status, challenged.raw).toBe(401);
        const md5 = challengesOf(challenged).find((c) => c.algorithm.toUpperCase() === 'MD5');
        expect(md5, challenged.raw).toBeDefined();
        const authorization = digestAuthorization({
          challenge: md5!,
          username: u.username,
          password: u.password,
          method: 'REGISTER',
          uri: `sip:${DOMAIN}`,
          nc: 1,
          cnonce: 'interop-cnonce-1',
        });
        const first = await client.register({ ...base, cseq: 2, authorization });
        expect(first.status, first.raw).toBe(200);
        const replayed = await client.register({ ...base, cseq: 3, authorization });
        expect([401, 403], `same nc twice\n${replayed.raw}\n${registrar.report()}`).toContain(
          replayed.status,
        );
      } finally {
        client.close();
      }
    });
  },
);

describe.skipIf(!sipp || target.unavailable)(
  suiteTitle(`registrar interop: stale nonce with ${target.name}`, [sippMissing, target.unavailable]),
  () => {
    let registrar: RegistrarProcess;

    beforeAll(async () => {
      registrar = await target.start({
        subscribers: [users.stale],
        nonceLifetimeS: SHORT_NONCE_LIFETIME_S,
      });
    });

    afterAll(async () => {
      await registrar?.stop();
    });

    it(`re-challenges a correct answer to an expired nonce with stale=true (nonce lifetime ${SHORT_NONCE_LIFETIME_S} s)`, async () => {
      const run = await runScenario(registrar, 'register-stale-nonce.xml', users.stale, {
        pauseMs: SHORT_NONCE_LIFETIME_S * 1000 + 1500,
      });
      expectCompleted(run);
      const statuses = received(run).map((m) => m.status);
      expect(statuses, run.why).toEqual([401, 401, 200]);
      const second = received(run)[1]!;
      expect(
        tracedChallenges(second).some((c) => c.stale),
        `second 401 has stale=true\n${run.why}`,
      ).toBe(true);
      const [first] = received(run);
      const oldNonces = tracedChallenges(first!).map((c) => c.nonce);
      for (const c of tracedChallenges(second)) expect(oldNonces, run.why).not.toContain(c.nonce);
    });
  },
);

// A domain opted in to SHA-256 (`domain add --auth-algorithms SHA-256,MD5`) on a node whose default
// stays MD5: SHA-256 first for the phones that can (RFC 8760 §2.4), MD5 after it for the rest.
describe.skipIf(target.isKamailio || target.unavailable)(
  suiteTitle(`registrar interop: a domain opted in to SHA-256 on ${target.name}`, [target.unavailable]),
  () => {
    const frank = { username: 'frank', password: 'frank-Secret-6' };
    let registrar: RegistrarProcess;

    beforeAll(async () => {
      registrar = await target.start({ subscribers: [frank], domainAuthAlgorithms: ['SHA-256', 'MD5'] });
    });

    afterAll(async () => {
      await registrar?.stop();
    });

    for (const algorithm of ['SHA-256', 'MD5'] as const) {
      it(`challenges with SHA-256 then MD5, and answers a ${algorithm} Digest with 200`, async () => {
        const client = await RegisterClient.open(registrar.port);
        try {
          const base = { user: frank.username, domain: DOMAIN, expires: 600 };
          const challenged = await client.register({ ...base, cseq: 1 });
          expect(challenged.status, challenged.raw).toBe(401);
          const offered = challengesOf(challenged);
          expect(
            offered.map((c) => c.algorithm.toUpperCase()),
            challenged.raw,
          ).toEqual(['SHA-256', 'MD5']);
          const chosen = offered.find((c) => c.algorithm.toUpperCase() === algorithm)!;
          expect(chosen.qop, challenged.raw).toContain('auth');
          const authorization = digestAuthorization({
            challenge: chosen,
            username: frank.username,
            password: frank.password,
            method: 'REGISTER',
            uri: `sip:${DOMAIN}`,
            nc: 1,
            cnonce: `interop-cnonce-${algorithm}`,
          });
          const ok = await client.register({ ...base, cseq: 2, authorization });
          expect(ok.status, `${ok.raw}\n${registrar.report()}`).toBe(200);
        } finally {
          client.close();
        }
      });
    }
  },
);
