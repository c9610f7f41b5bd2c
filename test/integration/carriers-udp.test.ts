import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type SwitchboardConfig } from '../../src/config/index.js';
import type { SwitchboardEvent } from '../../src/events/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { DigestAuthenticator, ha1 } from '../../src/sip/auth/index.js';
import type { SipRequest } from '../../src/sip/message/index.js';
import { parseMessage } from '../../src/sip/parser/index.js';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { until } from '../support/until.js';
import { answer, SipSocket } from './sip-socket.js';

const REALM = 'carrier.test';

/** A gateway over TCP answering every OPTIONS with `status` (messages without bodies only). */
async function tcpGateway(status: () => number): Promise<{ server: Server; port: number; probes: number }> {
  const gateway = { server: createServer(), port: 0, probes: 0 };
  gateway.server.on('connection', (socket: Socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const text = buffered.slice(0, end + 4);
        buffered = buffered.slice(end + 4);
        const request = parseMessage(Buffer.from(text, 'latin1')) as SipRequest;
        gateway.probes++;
        socket.write(answer(request, status(), status() === 200 ? 'OK' : 'Service Unavailable'));
      }
    });
  });
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  gateway.port = (gateway.server.address() as { port: number }).port;
  return gateway;
}

describe('a node probing its gateways (UDP, TCP) and registering at a carrier', () => {
  let dataDir: string;
  let store: SqliteProvisioningStore;
  let config: SwitchboardConfig;
  let node: RunningNode | undefined;
  let sockets: SipSocket[];
  let events: SwitchboardEvent[];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-carriers-it-'));
    store = await SqliteProvisioningStore.open(join(dataDir, SQLITE_FILE));
    config = defaultConfig();
    config.api.enabled = false;
    config.dataDir = dataDir;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    config.sip.timers = { t1: 100, t2: 400, t4: 500 };
    config.gateways = { probeInterval: 1, probeTimeout: 1, probeFailures: 1 };
    sockets = [];
    events = [];
  });

  afterEach(async () => {
    await node?.stop();
    node = undefined;
    for (const s of sockets) s.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function socket(): Promise<SipSocket> {
    const s = await SipSocket.open();
    sockets.push(s);
    return s;
  }

  async function start(): Promise<RunningNode> {
    node = await startNode(config, pino({ level: 'silent' }), { store });
    node.events.subscribe('*', (e) => events.push(e));
    return node;
  }

  it('marks a gateway that stops answering OPTIONS down within two intervals, and up when it answers', async () => {
    const gateway = await socket();
    await store.trunks.addTrunk({ name: 'carrier' });
    await store.trunks.addGateway({
      id: 'gw-a',
      trunk: 'carrier',
      uri: `sip:127.0.0.1:${gateway.port}`,
      probe: true,
    });
    await store.trunks.addGateway({ id: 'gw-off', trunk: 'carrier', uri: 'sip:127.0.0.1:9', probe: false });
    const running = await start();
    const options = await gateway.request('OPTIONS', 3000);
    expect(options.uriText).toBe(`sip:127.0.0.1:${gateway.port}`);
    expect(options.to.tag).toBeUndefined();
    gateway.send(answer(options, 200, 'OK'), running.listening[0]!.port);
    const prober = running.carriers!.prober;
    await until(() => prober.status('gw-a')?.state === 'up', 2000, 'gw-a up', 50);
    expect(prober.status('gw-off')).toBeUndefined();
    expect(prober.isUp('gw-off')).toBe(true);

    // It falls silent: the next probe times out.
    // Down on the first probe after it fell silent (probeFailures 1, probeTimeout no longer than
    // the interval): within two intervals.
    await until(() => !prober.isUp('gw-a'), 3000, 'gw-a down', 50);
    expect(prober.status('gw-a')).toMatchObject({
      state: 'down',
      lastError: 'timeout',
      probes: 2,
      failures: 1,
    });
    expect(events.filter((e) => e.type === 'gateway.down')).toEqual([
      expect.objectContaining({ gateway: 'gw-a', trunk: 'carrier', reason: 'timeout' }),
    ]);

    // It answers again (a 404 is an answer too). Earlier probes are still retransmitted (Timer E):
    // answer every OPTIONS until the node has the gateway back.
    const deadline = Date.now() + 3000;
    while (!prober.isUp('gw-a') && Date.now() < deadline) {
      const next = await gateway.request('OPTIONS', 1500).catch(() => undefined);
      if (next) gateway.send(answer(next, 404, 'Not Found'), running.listening[0]!.port);
    }
    expect(prober.isUp('gw-a')).toBe(true);
    expect(events.filter((e) => e.type === 'gateway.up')).toEqual([
      expect.objectContaining({ gateway: 'gw-a', uri: `sip:127.0.0.1:${gateway.port}` }),
    ]);
    const text = await running.metrics.metrics();
    expect(text).toContain('switchboard_gateway_up{gateway="gw-a",trunk="carrier"} 1');
    expect(text).toMatch(
      /switchboard_gateway_probes_total\{gateway="gw-a",trunk="carrier",result="failed"\} [1-9]/,
    );
  });

  it('probes a TCP gateway over TCP: a 503 takes it down, a 200 puts it back', async () => {
    let status = 200;
    const gateway = await tcpGateway(() => status);
    try {
      config.sip.transports = ['udp', 'tcp'];
      await store.trunks.addTrunk({ name: 'carrier' });
      await store.trunks.addGateway({
        id: 'gw-tcp',
        trunk: 'carrier',
        uri: `sip:127.0.0.1:${gateway.port}`,
        transport: 'tcp',
        probe: true,
      });
      const running = await start();
      const prober = running.carriers!.prober;
      await until(() => prober.status('gw-tcp')?.state === 'up', 3000, 'gw-tcp up', 50).catch((e) => {
        throw new Error(`${e}: ${JSON.stringify(prober.status('gw-tcp'))} probes=${gateway.probes}`);
      });
      expect(prober.status('gw-tcp')?.uri).toBe(`sip:127.0.0.1:${gateway.port};transport=tcp`);
      status = 503;
      await until(() => prober.status('gw-tcp')?.state === 'down', 3000, 'gw-tcp down', 50);
      expect(prober.status('gw-tcp')).toMatchObject({
        lastStatus: 503,
        lastError: '503 Service Unavailable',
      });
      status = 200;
      await until(() => prober.status('gw-tcp')?.state === 'up', 3000, 'gw-tcp up again', 50);
      expect(gateway.probes).toBeGreaterThanOrEqual(3);
    } finally {
      gateway.server.close();
    }
  });

  it('registers a trunk at its carrier with digest, refreshes within the granted expiry, unregisters at stop', async () => {
    const registrar = await socket();
    await store.trunks.addTrunk({
      name: 'carrier',
      registration: {
        registrar: `sip:127.0.0.1:${registrar.port}`,
        username: 'acct1',
        password: 'secret-1',
        expires: 60,
      },
    });
    const running = await start();
    const nodePort = running.listening[0]!.port;
    const auth = new DigestAuthenticator({ algorithms: ['MD5'] });
    const lookupHa1 = async (user: string, realm: string) =>
      user === 'acct1' ? ha1(user, realm, 'secret-1', 'MD5') : undefined;
    const verify = async (request: SipRequest) =>
      (await auth.verify(request, { realm: REALM, proxy: false, lookupHa1 })).result;

    const first = await registrar.request('REGISTER', 3000);
    expect(first.uriText).toBe(`sip:127.0.0.1:${registrar.port}`);
    expect(first.to.uri.toString()).toBe('sip:acct1@127.0.0.1');
    expect(first.get('contact')).toBe(`<sip:acct1@127.0.0.1:${nodePort}>`);
    expect(first.get('expires')).toBe('60');
    const challenge = auth.challenge(REALM, { proxy: false });
    registrar.send(
      answer(
        first,
        401,
        'Unauthorized',
        challenge.values.map((v) => `WWW-Authenticate: ${v}`),
      ),
      nodePort,
    );
    const second = await registrar.request('REGISTER', 3000);
    expect(await verify(second)).toBe('ok');
    // The registrar grants 2 s, less than asked: the node follows it.
    registrar.send(
      answer(second, 200, 'OK', [`Contact: <sip:acct1@127.0.0.1:${nodePort}>;expires=2`], 'r1'),
      nodePort,
    );
    const registrations = running.carriers!.registrations;
    await until(
      () => registrations.get('carrier')?.state === 'registered',
      2000,
      'the carrier registered',
      50,
    );
    expect(registrations.get('carrier')).toMatchObject({
      expires: 2,
      failures: 0,
      aor: 'sip:acct1@127.0.0.1',
    });
    expect(events.filter((e) => e.type === 'trunk.registered')).toEqual([
      expect.objectContaining({ trunk: 'carrier', expires: 2 }),
    ]);
    expect(await running.metrics.metrics()).toContain('switchboard_trunk_registered{trunk="carrier"} 1');

    // The refresh comes half-way, authorised up front, same Call-ID.
    const refresh = await registrar.request('REGISTER', 2500);
    expect(refresh.callId).toBe(first.callId);
    expect(refresh.cseq.seq).toBe(3);
    expect(await verify(refresh)).toBe('ok');
    registrar.send(
      answer(refresh, 200, 'OK', [`Contact: <sip:acct1@127.0.0.1:${nodePort}>;expires=4`], 'r1'),
      nodePort,
    );
    await until(() => registrations.get('carrier')?.expires === 4, 2000, 'the refresh with expires 4', 50);

    // A refusal: the state and the event say so, and the binding is retried later.
    const refused = await registrar.request('REGISTER', 3000);
    registrar.send(answer(refused, 403, 'Forbidden', [], 'r1'), nodePort);
    await until(() => registrations.get('carrier')?.state === 'failed', 2000, 'the registration failed', 50);
    expect(registrations.get('carrier')).toMatchObject({
      lastStatus: 403,
      lastError: '403 Forbidden',
      failures: 1,
    });
    expect(events.filter((e) => e.type === 'trunk.registration_failed')).toEqual([
      expect.objectContaining({ trunk: 'carrier', status: 403, reason: '403 Forbidden' }),
    ]);
    expect(await running.metrics.metrics()).toContain('switchboard_trunk_registered{trunk="carrier"} 0');

    const stopping = running.stop();
    const removal = await registrar.request('REGISTER', 2500);
    expect(removal.get('expires')).toBe('0');
    expect(await verify(removal)).toBe('ok');
    registrar.send(answer(removal, 200, 'OK', [], 'r1'), nodePort);
    await stopping;
    node = undefined;
    expect(events.at(-1)).toMatchObject({ type: 'trunk.unregistered', trunk: 'carrier' });
  });
});
