/**
 * CPU per digest-authenticated registration inside one process, without sockets: a fake UDP
 * transport carries SIPp's register-with-digest flow (REGISTER, 401, REGISTER with credentials,
 * 200; bench/yardstick/sipp-register-digest.xml) through the real stack and registrar,
 * over a SQLite store of USERS subscribers with the node's credential cache, write-back location
 * and MD5 digest (the defaults). Each subscriber registers once, as in bench/registrar-scale.sh.
 * Isolates our own code from the kernel and the load generator, so changes compare on a noisy
 * machine; the driver's own work (building requests, answering the challenge) is included.
 * With --rate R the registrations start at R per second, overlapping as they do under SIPp, and
 * the node's heap policy (memory.heapGrowth) applies: V8's collections then run as in a node
 * under that load (the state of 32 s of Timer J, the credential cache, the write-back queue).
 * Without it they run back to back, one at a time. With --challenge-only each sends only its first
 * REGISTER: the cost of answering it 401.
 * Run: npx tsc -p tsconfig.json --outDir .bench-build
 *      node --expose-gc .bench-build/bench/registrar-inprocess.js [REGISTRATIONS] [--users N] [--rate R] [--heap-growth P|off]
 *        [--challenge-only] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubscriberAuth } from '../src/authentication/index.js';
import { applyHeapGrowth } from '../src/cli/heap.js';
import { defaultConfig } from '../src/config/index.js';
import { MemoryLocationService } from '../src/location/index.js';
import { CredentialCache, Registrar } from '../src/registrar/index.js';
import { DigestAuthenticator } from '../src/sip/auth/index.js';
import { SipStack } from '../src/sip/stack/index.js';
import type { Endpoint, Transport, TransportHandlers } from '../src/sip/transport/index.js';
import { TransportLayer } from '../src/sip/transport/index.js';
import { SqliteProvisioningStore } from '../src/store/index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const registrations = Number(
  process.argv.slice(2).find((a, i, all) => /^\d+$/.test(a) && all[i - 1] !== '--users') ?? 20_000,
);
const users = Number(arg('--users') ?? 100_000);
const rate = arg('--rate') === undefined ? undefined : Number(arg('--rate'));
/** memory.heapGrowth to apply (default: the configuration's); `off` leaves V8's own policy. */
const heapGrowth = arg('--heap-growth');
/** Only the first REGISTER of each registration: what a 401 costs (no store, no digest check). */
const challengeOnly = process.argv.includes('--challenge-only');
const json = process.argv.includes('--json');
const WARM_UP = 2000;
if (registrations + WARM_UP > users)
  throw new Error('need at least REGISTRATIONS + 2000 users: each registers once');
const REGISTRAR = 5060;
const REALM = 'example.com';

/** What the registrar sent, by the port of the UA it answered (one port per registration). */
const outbox = new Map<number, Buffer>();

class LoopTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: REGISTRAR };
  handlers: TransportHandlers | undefined;
  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }
  async listen(): Promise<void> {}
  async close(): Promise<void> {}
  send(data: Buffer, destination: Endpoint): Promise<void> {
    outbox.set(destination.port, data);
    return Promise.resolve();
  }
  deliver(text: string, port: number): void {
    this.handlers!.onPacket({
      data: Buffer.from(text, 'latin1'),
      source: { protocol: 'udp', address: '127.0.0.1', port },
      local: this.local,
    });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'registrar-inprocess-'));
const store = await SqliteProvisioningStore.open(join(dir, 'switchboard.db'));
await store.addDomain(REALM);
await store.importSubscribers(
  Array.from({ length: users }, (_, i) => ({ username: `user${i}`, domain: REALM, password: `secret${i}` })),
);

const config = defaultConfig();
if (heapGrowth !== 'off') applyHeapGrowth(Number(heapGrowth ?? config.memory.heapGrowth));
const location = new MemoryLocationService({
  store,
  persistence: config.location.persistence,
  flushIntervalMs: config.location.flushInterval,
});
const authenticator = new DigestAuthenticator({ algorithms: config.auth.algorithms, checkUri: false });
const credentials = new CredentialCache(store, config.auth.credentialCacheTtl * 1000);
const subscribers = {
  hasDomain: (name: string) => store.hasDomain(name),
  getSubscriber: (username: string, domain: string) => credentials.getSubscriber(username, domain),
  resolveUser: (user: string, domain: string) => store.resolveUser(user, domain),
};
const registrar = new Registrar(
  { store: subscribers, location, authenticator, auth: new SubscriberAuth(subscribers, authenticator) },
  config.registrar,
);

const transport = new LoopTransport();
const layer = new TransportLayer({ onPacket: (p) => stack.receivePacket(p) });
layer.add(transport);
const stack: SipStack = new SipStack({ transports: layer, timers: config.sip.timers });
// What the node's routing stage and UA core do with a REGISTER for a served domain: the registrar.
stack.attach({
  onRequest: (request, transaction) => registrar.handle(request, transaction),
  onAck: () => {},
  onCancel: () => {},
  onStrayResponse: () => {},
});

/** Each registration from its own port, so that overlapping ones find their own responses. */
const portOf = (i: number) => 1024 + (i % 60_000);

function register(user: string, i: number, cseq: number, authorization?: string): string {
  const port = portOf(i);
  return [
    `REGISTER sip:${REALM} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${i}-${cseq}`,
    `From: <sip:${user}@${REALM}>;tag=${i}`,
    `To: <sip:${user}@${REALM}>`,
    `Call-ID: ${i}-${port}@127.0.0.1`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${user}@127.0.0.1:${port}>`,
    ...(authorization ? [`Authorization: ${authorization}`] : []),
    'Max-Forwards: 70',
    'Expires: 3600',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The response the registrar sent, once its promise chain (store, lock) has run. */
async function response(port: number): Promise<string> {
  for (let i = 0; i < 1000 && !outbox.has(port); i++) await new Promise((r) => setImmediate(r));
  const data = outbox.get(port);
  if (!data) throw new Error('the registrar sent nothing');
  outbox.delete(port);
  return data.toString('latin1');
}

function header(text: string, name: string): string {
  const start = text.indexOf(`\r\n${name}: `) + name.length + 4;
  return text.slice(start, text.indexOf('\r\n', start));
}

async function registration(i: number): Promise<void> {
  const user = `user${i}`;
  const port = portOf(i);
  transport.deliver(register(user, i, 1), port);
  const challenge = await response(port);
  if (!challenge.startsWith('SIP/2.0 401')) throw new Error(`expected 401, got ${challenge.slice(0, 40)}`);
  if (challengeOnly) return;
  const authorization = authenticator.answer(header(challenge, 'WWW-Authenticate'), {
    username: user,
    password: `secret${i}`,
    method: 'REGISTER',
    uri: `sip:${REALM}`,
    cnonce: `c${i}`,
    nc: 1,
  });
  transport.deliver(register(user, i, 2, authorization), port);
  const ok = await response(port);
  if (!ok.startsWith('SIP/2.0 200')) throw new Error(`expected 200, got ${ok.slice(0, 40)}`);
}

async function run(from: number, n: number): Promise<void> {
  if (rate === undefined) {
    for (let i = from; i < from + n; i++) await registration(i);
    return;
  }
  // Started on a 10 ms tick, each when its time has come: R per second on average.
  const started: Promise<void>[] = [];
  const t0 = performance.now();
  let next = from;
  while (next < from + n) {
    const due = from + Math.min(n, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    for (; next < due; next++) started.push(registration(next));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(started);
}

const gc = (globalThis as { gc?: () => void }).gc;
await run(0, WARM_UP);
await location.flush();
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(WARM_UP, registrations);
await location.flush();
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
gc?.();
const result = {
  registrations,
  users,
  rate: rate ?? 'back to back',
  ...(challengeOnly ? { challengeOnly } : {}),
  usPerRegistration: Math.round((cpu.user + cpu.system) / registrations),
  wallMsPerRegistration: +(wall / registrations).toFixed(4),
  // Bindings, and the transactions still waiting out Timer J (32 s), hold their state.
  retainedBytesPerRegistration: gc
    ? Math.round((process.memoryUsage().heapUsed - heap0) / registrations)
    : undefined,
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(
    `in-process registrations: ${registrations} of ${users} subscribers (${result.rate}), CPU ${result.usPerRegistration} µs per registration` +
      (result.retainedBytesPerRegistration === undefined
        ? ''
        : `, ${result.retainedBytesPerRegistration} heap bytes retained per registration`),
  );
}
await location.close();
credentials.close();
await stack.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
