import { afterEach, describe, expect, it } from 'vitest';
import { type KeepalivePing, NatKeepalive } from '../../../../src/edge/nat/index.js';
import { type Binding, MemoryLocationService } from '../../../../src/location/index.js';
import { binding } from '../../registrar/fakes.js';

const aor = 'sip:alice@example.com';
const SECOND = 1000;

/** Pings answered as `answers` says (per contact), each recorded. */
function fakePing(answers: Map<string, boolean>, log: Binding[]): KeepalivePing {
  return async (b) => {
    log.push(b);
    return answers.get(b.contact) ?? true;
  };
}

/** Let the keep-alive's promises (lookup, ping, removal) settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('NAT keep-alive scheduling (injected clock)', () => {
  let t = Date.UTC(2026, 0, 1, 12, 0, 0);
  const now = () => t;
  let keepalive: NatKeepalive | undefined;
  afterEach(() => keepalive?.stop());

  async function setup(bindings: Binding[], answers = new Map<string, boolean>()) {
    const location = new MemoryLocationService({ now, sweepIntervalMs: 0 });
    await location.update(aor, { remove: [], add: bindings });
    const options: Binding[] = [];
    const crlf: Binding[] = [];
    const expired: Binding[] = [];
    const counts = { sent: 0, failed: 0, expired: 0 };
    keepalive = new NatKeepalive({
      intervalMs: 30 * SECOND,
      failures: 3,
      location,
      ping: { options: fakePing(answers, options), crlf: fakePing(answers, crlf) },
      onExpired: (b) => expired.push(b),
      counters: {
        sent: () => counts.sent++,
        failed: () => counts.failed++,
        expired: () => counts.expired++,
      },
      now,
      tickMs: 0,
    });
    for (const b of bindings) keepalive.track(b.aor, b.contact);
    return { location, options, crlf, expired, counts, keepalive };
  }

  const udp = () =>
    binding({
      aor,
      contact: 'sip:alice@192.168.1.20:5060',
      expiresAt: t + 3600 * SECOND,
      updatedAt: t,
      source: { protocol: 'udp', address: '203.0.113.9', port: 40312 },
    });
  const tcp = () =>
    binding({
      aor,
      contact: 'sip:alice@192.168.1.21:5060;transport=tcp',
      expiresAt: t + 3600 * SECOND,
      updatedAt: t,
      source: { protocol: 'tcp', address: '203.0.113.9', port: 51000, connectionId: 'tcp-1' },
    });

  it('pings each binding once per interval: OPTIONS over UDP, CRLF over TCP', async () => {
    const s = await setup([udp(), tcp()]);
    expect(s.keepalive.tick()).toBe(0); // nothing due before the first interval
    t += 29 * SECOND;
    expect(s.keepalive.tick()).toBe(0);
    t += SECOND;
    expect(s.keepalive.tick()).toBe(2);
    await settle();
    expect(s.options.map((b) => b.contact)).toEqual(['sip:alice@192.168.1.20:5060']);
    expect(s.crlf.map((b) => b.source.connectionId)).toEqual(['tcp-1']);
    t += 10 * SECOND;
    expect(s.keepalive.tick()).toBe(0);
    t += 20 * SECOND;
    expect(s.keepalive.tick()).toBe(2);
    await settle();
    expect(s.counts).toEqual({ sent: 4, failed: 0, expired: 0 });
  });

  it('removes a binding after 3 unanswered pings in a row, and reports it once', async () => {
    const dead = udp();
    const s = await setup([dead, tcp()], new Map([[dead.contact, false]]));
    for (let round = 1; round <= 3; round++) {
      t += 30 * SECOND;
      s.keepalive.tick();
      await settle();
      await settle();
      expect((await s.location.lookup(aor)).some((b) => b.contact === dead.contact)).toBe(round < 3);
    }
    expect(s.expired.map((b) => b.contact)).toEqual([dead.contact]);
    expect(s.counts).toEqual({ sent: 6, failed: 3, expired: 1 });
    expect(s.keepalive.size).toBe(1);
    // The TCP binding answers and stays.
    expect((await s.location.lookup(aor)).map((b) => b.contact)).toEqual([tcp().contact]);
  });

  it('forgives failures when the phone answers or refreshes its registration in between', async () => {
    const answers = new Map<string, boolean>();
    const b = udp();
    const s = await setup([b], answers);
    answers.set(b.contact, false);
    for (let i = 0; i < 2; i++) {
      t += 30 * SECOND;
      s.keepalive.tick();
      await settle();
    }
    answers.set(b.contact, true); // answers the third
    t += 30 * SECOND;
    s.keepalive.tick();
    await settle();
    answers.set(b.contact, false);
    for (let i = 0; i < 2; i++) {
      t += 30 * SECOND;
      s.keepalive.tick();
      await settle();
    }
    s.keepalive.track(b.aor, b.contact); // a REGISTER refresh
    t += 30 * SECOND;
    s.keepalive.tick();
    await settle();
    await settle();
    expect(s.expired).toEqual([]);
    expect(s.counts.failed).toBe(5);
    expect(await s.location.lookup(aor)).toHaveLength(1);
  });

  it('forgets bindings that are gone from the location service, and untracked ones', async () => {
    const a = udp();
    const b = tcp();
    const s = await setup([a, b]);
    await s.location.update(aor, { remove: [a], add: [] });
    s.keepalive.untrack(b.aor, b.contact);
    t += 30 * SECOND;
    expect(s.keepalive.tick()).toBe(1);
    await settle();
    expect(s.options).toEqual([]);
    expect(s.keepalive.size).toBe(0);
  });

  it('leaves WebSocket bindings to their connection (no CRLF inside WebSocket messages)', async () => {
    const ws = binding({
      aor,
      contact: 'sip:abc@df7jal23ls0d.invalid;transport=ws',
      expiresAt: t + 3600 * SECOND,
      source: { protocol: 'wss', address: '203.0.113.9', port: 52000, connectionId: 'ws-1' },
    });
    const s = await setup([ws]);
    t += 30 * SECOND;
    s.keepalive.tick();
    await settle();
    expect(s.crlf).toEqual([]);
    expect(s.options).toEqual([]);
    expect(s.keepalive.size).toBe(0);
    expect(await s.location.lookup(aor)).toHaveLength(1);
  });

  it('keeps at most maxInFlight pings out; the rest go on the next ticks', async () => {
    const location = new MemoryLocationService({ now, sweepIntervalMs: 0 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pinged: string[] = [];
    const slow: KeepalivePing = async (b) => {
      pinged.push(b.contact);
      await gate;
      return true;
    };
    keepalive = new NatKeepalive({
      intervalMs: 30 * SECOND,
      failures: 3,
      location,
      ping: { options: slow, crlf: slow },
      maxInFlight: 2,
      now,
      tickMs: 0,
    });
    const bindings = [1, 2, 3].map((n) =>
      binding({
        aor,
        contact: `sip:alice@10.0.0.${n}`,
        expiresAt: t + 3600 * SECOND,
        source: { protocol: 'udp', address: '203.0.113.9', port: 40000 + n },
      }),
    );
    await location.update(aor, { remove: [], add: bindings });
    for (const b of bindings) keepalive.track(b.aor, b.contact);
    t += 30 * SECOND;
    expect(keepalive.tick()).toBe(2);
    expect(keepalive.tick()).toBe(0);
    release();
    await settle();
    await settle();
    expect(keepalive.tick()).toBe(1);
    await settle();
    expect(pinged.sort()).toEqual(bindings.map((b) => b.contact).sort());
  });

  it('refuses a zero interval or failure count', () => {
    const location = new MemoryLocationService({ now, sweepIntervalMs: 0 });
    const ping: KeepalivePing = async () => true;
    expect(
      () =>
        new NatKeepalive({
          intervalMs: 0,
          failures: 3,
          location,
          ping: { options: ping, crlf: ping },
          tickMs: 0,
        }),
    ).toThrow(/intervalMs/);
    expect(
      () =>
        new NatKeepalive({
          intervalMs: 1000,
          failures: 0,
          location,
          ping: { options: ping, crlf: ping },
          tickMs: 0,
        }),
    ).toThrow(/failures/);
  });
});
