import { describe, expect, it } from 'vitest';
import {
  answeredAlive,
  type GatewayHealthStatus,
  GatewayProber,
  type GatewayProberOptions,
  optionsProbe,
  type ProbedGateway,
  type ProbeResult,
  probedGateways,
} from '../../../src/gateway-health/index.js';
import { UserAgentCore } from '../../../src/sip/ua/index.js';
import { answer, FakeClock, FakeTransport, flush } from '../ua/fakes.js';

const gw1: ProbedGateway = { id: '1', uri: 'sip:192.0.2.1:5060' };
const gw2: ProbedGateway = { id: '2', uri: 'sip:192.0.2.2:5060' };

/** A probe the test answers by hand: each call waits until the test resolves it. */
class ManualProbe {
  readonly pending: Array<{ gateway: ProbedGateway; resolve: (r: ProbeResult) => void }> = [];
  readonly probe = (gateway: ProbedGateway): Promise<ProbeResult> =>
    new Promise((resolve) => this.pending.push({ gateway, resolve }));

  /** Answer every outstanding probe of a gateway. */
  answer(id: string, result: ProbeResult): number {
    const mine = this.pending.filter((p) => p.gateway.id === id);
    for (const p of mine) {
      this.pending.splice(this.pending.indexOf(p), 1);
      p.resolve(result);
    }
    return mine.length;
  }
}

function setup(overrides: Partial<GatewayProberOptions> = {}) {
  const clock = new FakeClock();
  const manual = new ManualProbe();
  let gateways = [gw1, gw2];
  const changes: Array<{ id: string; state: string; previous: string }> = [];
  const probes: GatewayHealthStatus[] = [];
  const prober = new GatewayProber({
    gateways: () => gateways,
    probe: manual.probe,
    intervalMs: 1000,
    timeoutMs: 500,
    timers: clock,
    now: () => clock.now,
    onChange: (s, previous) => changes.push({ id: s.id, state: s.state, previous }),
    onProbe: (s) => probes.push(s),
    ...overrides,
  });
  return {
    clock,
    manual,
    prober,
    changes,
    probes,
    setGateways: (list: ProbedGateway[]) => {
      gateways = list;
    },
  };
}

const ok: ProbeResult = { alive: true, status: 200 };
const unavailable: ProbeResult = { alive: false, status: 503, reason: '503 Service Unavailable' };

describe('answeredAlive', () => {
  it('takes any answer but 408 and 5xx as alive', () => {
    for (const status of [200, 202, 302, 403, 404, 405, 481, 603]) expect(answeredAlive(status)).toBe(true);
    for (const status of [408, 500, 502, 503, 504]) expect(answeredAlive(status)).toBe(false);
  });
});

describe('GatewayProber', () => {
  it('probes every gateway at start and then every interval, one probe per gateway at a time', async () => {
    const { clock, manual, prober } = setup();
    prober.start();
    await flush();
    expect(manual.pending.map((p) => p.gateway.id)).toEqual(['1', '2']);
    manual.answer('1', ok);
    await flush();
    clock.advance(500);
    await flush();
    clock.advance(500);
    await flush();
    // gw2's probe timed out at 500 ms: both are probed again, and only once each.
    expect(manual.pending.filter((p) => p.gateway.id === '1')).toHaveLength(1);
    expect(prober.status('2')).toMatchObject({ state: 'down', lastError: 'timeout' });
    expect(manual.pending.filter((p) => p.gateway.id === '2')).toHaveLength(2);
    prober.stop();
  });

  it('counts gateways as up until a probe fails, and a gateway not probed as up', async () => {
    const { manual, prober } = setup();
    expect(prober.isUp('1')).toBe(true);
    expect(prober.isUp('99')).toBe(true);
    prober.start();
    await flush();
    expect(prober.status('1')?.state).toBe('unknown');
    manual.answer('1', ok);
    await flush();
    expect(prober.status('1')).toMatchObject({ state: 'up', probes: 1, failures: 0, lastStatus: 200 });
    prober.stop();
  });

  it('marks a gateway down after downAfterFailures failures in a row and up on the next answer', async () => {
    const { clock, manual, prober, changes } = setup({ downAfterFailures: 2 });
    prober.start();
    await flush();
    manual.answer('1', ok);
    manual.answer('2', ok);
    await flush();
    clock.advance(1000);
    await flush();
    manual.answer('1', unavailable);
    manual.answer('2', ok);
    await flush();
    expect(prober.isUp('1')).toBe(true);
    expect(prober.status('1')).toMatchObject({
      state: 'up',
      consecutiveFailures: 1,
      lastError: '503 Service Unavailable',
    });
    clock.advance(1000);
    await flush();
    manual.answer('1', unavailable);
    manual.answer('2', ok);
    await flush();
    expect(prober.isUp('1')).toBe(false);
    expect(prober.status('1')).toMatchObject({
      state: 'down',
      consecutiveFailures: 2,
      failures: 2,
      since: 2000,
    });
    expect(changes).toEqual([{ id: '1', state: 'down', previous: 'up' }]);
    clock.advance(1000);
    await flush();
    manual.answer('1', ok);
    await flush();
    expect(prober.isUp('1')).toBe(true);
    expect(prober.status('1')).toMatchObject({ state: 'up', consecutiveFailures: 0, since: 3000 });
    expect(changes).toEqual([
      { id: '1', state: 'down', previous: 'up' },
      { id: '1', state: 'up', previous: 'down' },
    ]);
    prober.stop();
  });

  it('counts a probe with no answer within the timeout as failed, and ignores its late answer', async () => {
    const { clock, manual, prober, changes } = setup();
    prober.start();
    await flush();
    manual.answer('2', ok);
    await flush();
    clock.advance(500);
    await flush();
    expect(prober.status('1')).toMatchObject({ state: 'down', lastError: 'timeout', failures: 1 });
    expect(prober.status('1')?.lastStatus).toBeUndefined();
    expect(changes).toEqual([{ id: '1', state: 'down', previous: 'unknown' }]);
    manual.answer('1', ok); // the late 200 of the timed-out probe
    await flush();
    expect(prober.status('1')?.state).toBe('down');
    prober.stop();
  });

  it('marks down within two intervals of a gateway falling silent (default threshold)', async () => {
    const { clock, manual, prober } = setup();
    prober.start();
    await flush();
    manual.answer('1', ok);
    manual.answer('2', ok);
    await flush();
    // The gateway dies just after answering: the next round's probe times out.
    clock.advance(1000);
    await flush();
    manual.answer('2', ok);
    await flush();
    clock.advance(500);
    await flush();
    expect(prober.isUp('1')).toBe(false);
    expect(clock.now).toBeLessThanOrEqual(2000);
    prober.stop();
  });

  it('a probe that rejects or throws counts as failed and is reported', async () => {
    const errors: unknown[] = [];
    const { prober } = setup({
      probe: (g) => (g.id === '1' ? Promise.reject(new Error('no route')) : Promise.resolve(ok)),
      onError: (e) => errors.push(e),
    });
    prober.start();
    await flush();
    expect(prober.status('1')).toMatchObject({ state: 'down', lastError: 'no route' });
    expect(prober.status('2')?.state).toBe('up');
    expect(errors).toHaveLength(1);
    prober.stop();
  });

  it('follows the gateway list: removed ones are forgotten, a new address starts unknown', async () => {
    const { clock, manual, prober, setGateways } = setup();
    prober.start();
    await flush();
    manual.answer('1', unavailable);
    manual.answer('2', ok);
    await flush();
    expect(prober.status('1')?.state).toBe('down');
    setGateways([{ id: '1', uri: 'sip:192.0.2.9:5060' }]);
    clock.advance(1000);
    await flush();
    expect(prober.status('2')).toBeUndefined();
    expect(prober.status('1')).toMatchObject({ state: 'unknown', uri: 'sip:192.0.2.9:5060', probes: 0 });
    expect(prober.isUp('1')).toBe(true);
    expect(prober.list().map((s) => s.id)).toEqual(['1']);
    prober.stop();
  });

  it('keeps at most maxInFlight probes out and sends the rest as answers come', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ id: String(i), uri: `sip:192.0.2.${i}:5060` }));
    const { manual, prober } = setup({ gateways: () => many, maxInFlight: 2, timeoutMs: 10_000 });
    prober.start();
    await flush();
    expect(manual.pending.map((p) => p.gateway.id)).toEqual(['0', '1']);
    manual.answer('0', ok);
    await flush();
    expect(manual.pending.map((p) => p.gateway.id)).toEqual(['1', '2']);
    prober.stop();
  });

  it('reports a failing gateway list and tries again next round', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const { clock, manual, prober } = setup({
      gateways: () => {
        calls++;
        if (calls === 1) throw new Error('store down');
        return [gw1];
      },
      onError: (e) => errors.push(e),
    });
    prober.start();
    await flush();
    expect(errors).toHaveLength(1);
    clock.advance(1000);
    await flush();
    expect(manual.pending.map((p) => p.gateway.id)).toEqual(['1']);
    prober.stop();
  });

  it('stops cleanly: no timer left, no further probes, late answers ignored', async () => {
    const { clock, manual, prober, probes } = setup();
    prober.start();
    await flush();
    expect(clock.pending).toBe(3); // the next round and two probe timeouts
    prober.stop();
    expect(clock.pending).toBe(0);
    manual.answer('1', ok);
    await flush();
    expect(probes).toHaveLength(0);
    clock.advance(5000);
    await flush();
    expect(manual.pending.map((p) => p.gateway.id)).toEqual(['2']);
    expect(prober.status('1')?.state).toBe('unknown');
  });
});

describe('optionsProbe', () => {
  function probeSetup() {
    const transport = new FakeTransport();
    const core = new UserAgentCore({ transport, onError: () => {} });
    return { transport, probe: optionsProbe(core) };
  }

  it('sends an out-of-dialog OPTIONS to the gateway and takes a 404 as alive', async () => {
    const { transport, probe } = probeSetup();
    const result = probe({ id: '1', uri: 'sip:192.0.2.1:5070' });
    await flush();
    const [tx] = transport.sent('OPTIONS');
    expect(tx?.request.uriText).toBe('sip:192.0.2.1:5070');
    expect(tx?.target).toMatchObject({ address: '192.0.2.1', port: 5070 });
    expect(tx?.request.to.tag).toBeUndefined();
    expect(tx?.request.from.uri.toString()).toBe('sip:switchboard@203.0.113.1:5060');
    tx?.receive(answer(tx.request, 404));
    await expect(result).resolves.toEqual({ alive: true, status: 404 });
  });

  it('keeps the URI parameters: a TCP gateway is probed over TCP', async () => {
    const { transport, probe } = probeSetup();
    void probe({ id: '1', uri: 'sip:192.0.2.1:5070;transport=tcp' });
    await flush();
    const [tx] = transport.sent('OPTIONS');
    expect(tx?.request.uriText).toBe('sip:192.0.2.1:5070;transport=tcp');
    // (the stack's resolver takes the transport from the Request-URI: RFC 3263 §4.1)
    expect(tx?.request.get('to')).toBe('<sip:192.0.2.1:5070;transport=tcp>');
  });

  it('takes a 503 and an unresolvable gateway as failed', async () => {
    const { transport, probe } = probeSetup();
    const result = probe(gw1);
    await flush();
    const [tx] = transport.sent('OPTIONS');
    tx?.receive(answer(tx.request, 503));
    await expect(result).resolves.toEqual({ alive: false, status: 503, reason: '503 Service Unavailable' });
    transport.failResolve = true;
    const unresolved = await probe(gw2);
    expect(unresolved).toMatchObject({ alive: false, status: 503 });
  });
});

describe('probedGateways', () => {
  const base = { trunk: 'carrier', transport: 'udp', probe: true, enabled: true };
  it('takes gateways with probing on, enabled, of enabled trunks, over their transport', () => {
    const probed = probedGateways(
      [
        { ...base, id: 'a', uri: 'sip:192.0.2.1:5060' },
        { ...base, id: 'b', uri: 'sip:192.0.2.2', transport: 'tcp' },
        { ...base, id: 'c', uri: 'sip:192.0.2.3;transport=udp', transport: 'tcp' },
        { ...base, id: 'd', uri: 'sip:192.0.2.4', probe: false },
        { ...base, id: 'e', uri: 'sip:192.0.2.5', enabled: false },
        { ...base, id: 'f', uri: 'sip:192.0.2.6', trunk: 'off' },
        { ...base, id: 'g', uri: 'sip:192.0.2.7', trunk: 'gone' },
      ],
      [
        { name: 'carrier', enabled: true },
        { name: 'off', enabled: false },
      ],
    );
    expect(probed).toEqual([
      { id: 'a', uri: 'sip:192.0.2.1:5060', trunk: 'carrier' },
      { id: 'b', uri: 'sip:192.0.2.2;transport=tcp', trunk: 'carrier' },
      { id: 'c', uri: 'sip:192.0.2.3;transport=udp', trunk: 'carrier' },
    ]);
  });
});
