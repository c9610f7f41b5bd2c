import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidInputError,
  type NewTrunk,
  NotFoundError,
  type SqlProvisioningStore,
  type TrunkRepository,
  withoutSecrets,
} from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

const TLS = join(import.meta.dirname, '..', '..', 'fixtures', 'tls');
const pem = (name: string) => readFileSync(join(TLS, name), 'utf8');

/** The TrunkRepository contract (trunks, gateways, routes); every backend runs all of it. */
export function trunkContract(makeHarness: () => StoreHarness): void {
  let harness: StoreHarness;
  let store: SqlProvisioningStore;
  let trunks: TrunkRepository;

  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
    trunks = store.trunks;
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  const carrierA: NewTrunk = {
    name: 'carrier-a',
    description: 'Carrier A, wholesale',
    inboundCidrs: ['203.0.113.0/24', '2001:DB8::/32', '198.51.100.7'],
    inboundUsername: 'carrier-a-in',
    inboundPassword: 'in-secret',
    inboundStrip: 1,
    inboundPrefix: '+1',
    dispatch: 'Round-Robin',
    stripDigits: 1,
    prefix: '00',
    callerId: '+14155550100',
    noReplyTimeout: 2000,
    noAnswerTimeout: 60_000,
    failoverCodes: ['408', '5xx'],
    codecs: ['PCMU', 'PCMA', 'G722'],
    registration: { registrar: 'sip:sip.carrier-a.example', username: 'acct1', password: 'reg-secret' },
  };

  describe('trunks', () => {
    it('stores every field and reads it back the same, canonicalised', async () => {
      const added = await trunks.addTrunk(carrierA);
      expect(added).toMatchObject({
        name: 'carrier-a',
        enabled: true,
        inboundCidrs: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
        dispatch: 'round-robin',
        failoverCodes: ['408', '5xx'],
        registration: { registrar: 'sip:sip.carrier-a.example', username: 'acct1', expires: 3600 },
      });
      expect(added.registration?.realm).toBeUndefined();
      const got = await trunks.getTrunk('carrier-a');
      expect(got).toEqual(added);
      expect(await trunks.listTrunks()).toEqual([added]);
    });

    it('defaults: enabled, priority dispatch, no inbound, no manipulation, node failover codes', async () => {
      const added = await trunks.addTrunk({ name: 'plain' });
      expect(added).toEqual({
        name: 'plain',
        enabled: true,
        inboundCidrs: [],
        inboundStrip: 0,
        inboundPrefix: '',
        dispatch: 'priority',
        stripDigits: 0,
        prefix: '',
        codecs: [],
        createdAt: added.createdAt,
      });
    });

    it('updates fields, clears optional ones with null, and re-checks the result', async () => {
      await trunks.addTrunk(carrierA);
      const updated = await trunks.updateTrunk('carrier-a', {
        dispatch: 'weighted',
        callerId: null,
        registration: null,
        failoverCodes: ['503'],
        enabled: false,
      });
      expect(updated).toMatchObject({ dispatch: 'weighted', enabled: false, failoverCodes: ['503'] });
      expect(updated.callerId).toBeUndefined();
      expect(updated.registration).toBeUndefined();
      expect(updated.inboundUsername).toBe('carrier-a-in');
      await expect(trunks.updateTrunk('carrier-a', { failoverCodes: ['486'] })).rejects.toThrow(/486/);
      expect((await trunks.getTrunk('carrier-a'))?.failoverCodes).toEqual(['503']);
      await expect(trunks.updateTrunk('nowhere', { enabled: true })).rejects.toBeInstanceOf(NotFoundError);
    });

    it.each([
      [{ name: 'bad name' }, /invalid trunk name "bad name"/],
      [{ name: 't', inboundCidrs: ['10.0.0.0/33'] }, /invalid inbound CIDR "10.0.0.0\/33"/],
      [{ name: 't', inboundCidrs: ['example.com'] }, /invalid inbound CIDR/],
      [{ name: 't', inboundUsername: 'u' }, /give both the inbound username and password/],
      [{ name: 't', dispatch: 'random' }, /invalid dispatch "random": expected one of priority, round-robin/],
      [{ name: 't', stripDigits: -1 }, /invalid strip digits -1: expected an integer from 0 to 20/],
      [{ name: 't', prefix: '0a' }, /invalid prefix "0a"/],
      [{ name: 't', callerId: 'two words' }, /invalid caller ID "two words"/],
      [{ name: 't', noReplyTimeout: 5 }, /invalid no-reply timeout \(ms\) 5/],
      [{ name: 't', failoverCodes: ['486'] }, /invalid failover code "486": only 408, 5xx/],
      [{ name: 't', failoverCodes: ['603'] }, /invalid failover code "603"/],
      [{ name: 't', failoverCodes: ['404'] }, /invalid failover code "404"/],
      [{ name: 't', failoverCodes: [] }, /the list is empty/],
      [{ name: 't', codecs: ['PCMU', 'pcmu'] }, /invalid codecs: pcmu is listed twice/],
      [
        { name: 't', registration: { registrar: 'http://x', username: 'u', password: 'p' } },
        /invalid registrar URI "http:\/\/x"/,
      ],
      [
        { name: 't', registration: { registrar: 'sip:x', username: 'u', password: 'p', expires: 5 } },
        /invalid registration expires \(s\) 5/,
      ],
    ] as Array<[NewTrunk, RegExp]>)(
      'refuses %j naming the field, storing nothing',
      async (input, message) => {
        const refused = trunks.addTrunk(input);
        await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
        await expect(refused).rejects.toThrow(message);
        expect(await trunks.listTrunks()).toEqual([]);
      },
    );

    it('refuses a duplicate name, and a source network or inbound username of another trunk', async () => {
      await trunks.addTrunk(carrierA);
      await expect(trunks.addTrunk({ name: 'carrier-a' })).rejects.toThrow(
        new ConflictError('trunk carrier-a already exists'),
      );
      await expect(trunks.addTrunk({ name: 'b', inboundCidrs: ['203.0.113.0/24'] })).rejects.toThrow(
        "inbound CIDR 203.0.113.0/24 is already trunk carrier-a's",
      );
      await expect(
        trunks.addTrunk({ name: 'b', inboundUsername: 'carrier-a-in', inboundPassword: 'x' }),
      ).rejects.toThrow("inbound username carrier-a-in is already trunk carrier-a's");
      // A narrower network inside another trunk's is allowed: the most specific one wins.
      await trunks.addTrunk({ name: 'b', inboundCidrs: ['203.0.113.128/25'] });
      expect((await trunks.listTrunks()).map((t) => t.name)).toEqual(['b', 'carrier-a']);
    });

    it('keeps a client certificate, key and CA as PEM or paths, and an inbound TLS name; shows no PEM key', async () => {
      const added = await trunks.addTrunk({
        name: 'tls-a',
        tlsCertificate: pem('trunk-client.crt'),
        tlsKey: pem('trunk-client.key'),
        tlsCa: '/etc/switchboard/carrier-ca.pem',
        inboundTlsName: 'Edge.Carrier.Example',
      });
      expect(added.tlsCertificate).toBe(pem('trunk-client.crt'));
      expect(added.tlsKey).toBe(pem('trunk-client.key'));
      expect(added).toMatchObject({
        tlsCa: '/etc/switchboard/carrier-ca.pem',
        inboundTlsName: 'edge.carrier.example',
      });
      expect(await trunks.getTrunk('tls-a')).toEqual(added);
      expect(withoutSecrets(added).tlsKey).toBe('***');
      // A key given by path is no secret: the path shows.
      const byPath = await trunks.updateTrunk('tls-a', {
        tlsCertificate: '/etc/a.crt',
        tlsKey: '/etc/a.key',
      });
      expect(withoutSecrets(byPath)).toMatchObject({ tlsCertificate: '/etc/a.crt', tlsKey: '/etc/a.key' });
      const cleared = await trunks.updateTrunk('tls-a', {
        tlsCertificate: null,
        tlsKey: null,
        tlsCa: null,
        inboundTlsName: null,
      });
      expect(
        cleared.tlsCertificate ?? cleared.tlsKey ?? cleared.tlsCa ?? cleared.inboundTlsName,
      ).toBeUndefined();
    });

    it.each([
      [{ tlsCertificate: '/etc/a.crt' }, 'tlsKey', 'give both the TLS certificate and its key'],
      [{ tlsCertificate: 'certs/a.crt', tlsKey: '/etc/a.key' }, 'tlsCertificate', 'an absolute file path'],
      [
        {
          tlsCertificate: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----',
          tlsKey: '/k',
        },
        'tlsCertificate',
        'not a PEM certificate',
      ],
      [
        {
          tlsCertificate: '/etc/a.crt',
          tlsKey: '-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----',
        },
        'tlsKey',
        'not a PEM private key',
      ],
      [
        { tlsCertificate: pem('trunk-client.crt'), tlsKey: pem('gateway.key') },
        'tlsKey',
        'not the private key of the TLS certificate',
      ],
      [{ inboundTlsName: 'not a host' }, 'inboundTlsName', 'invalid inbound TLS name'],
    ] as const)('refuses bad TLS fields, naming the field: %j', async (fields, field, message) => {
      const refused = trunks.addTrunk({ name: 'tls-bad', ...fields });
      await expect(refused).rejects.toThrow(message);
      await expect(refused).rejects.toMatchObject({ field });
      expect(await trunks.listTrunks()).toEqual([]);
    });

    it('refuses an inbound TLS name another trunk has', async () => {
      await trunks.addTrunk({ name: 'a', inboundTlsName: 'edge.carrier.example' });
      await expect(trunks.addTrunk({ name: 'b', inboundTlsName: 'EDGE.carrier.example' })).rejects.toThrow(
        "inbound TLS name edge.carrier.example is already trunk a's",
      );
    });

    it('removes a trunk with its gateways; refuses while routes use it unless cascading', async () => {
      await trunks.addTrunk(carrierA);
      await trunks.addGateway({ trunk: 'carrier-a', uri: 'sip:203.0.113.5' });
      await trunks.addRoute({ prefix: '44', trunk: 'carrier-a' });
      const refused = trunks.removeTrunk('carrier-a');
      await expect(refused).rejects.toBeInstanceOf(ConflictError);
      await expect(refused).rejects.toThrow(/still used by 1 route \(/);
      expect(await trunks.listGateways()).toHaveLength(1);
      expect(await trunks.removeTrunk('carrier-a', { cascade: true })).toBe(true);
      expect(await trunks.listGateways()).toEqual([]);
      expect(await trunks.listRoutes()).toEqual([]);
      expect(await trunks.removeTrunk('carrier-a')).toBe(false);
    });
  });

  describe('gateways', () => {
    beforeEach(async () => {
      await trunks.addTrunk({ name: 'carrier-a' });
    });

    it('adds with a made id and defaults, lists by trunk and priority, updates, removes', async () => {
      const a = await trunks.addGateway({ trunk: 'carrier-a', uri: 'sip:203.0.113.5:5060', priority: 2 });
      expect(a).toMatchObject({ trunk: 'carrier-a', transport: 'udp', priority: 2, weight: 1, probe: true });
      expect(a.id).toMatch(/^gw-[0-9a-f]{8}$/);
      const b = await trunks.addGateway({
        id: 'a-tls',
        trunk: 'carrier-a',
        uri: 'sips:gw.carrier-a.example',
        weight: 3,
        probe: false,
      });
      expect(b).toMatchObject({ id: 'a-tls', transport: 'tls', weight: 3, probe: false, priority: 0 });
      expect((await trunks.listGateways('carrier-a')).map((g) => g.id)).toEqual(['a-tls', a.id]);
      expect(await trunks.getGateway('a-tls')).toEqual(b);

      const moved = await trunks.updateGateway(a.id, { uri: 'sip:203.0.113.6;transport=tcp', weight: 5 });
      expect(moved).toMatchObject({ uri: 'sip:203.0.113.6;transport=tcp', transport: 'tcp', weight: 5 });
      expect(await trunks.removeGateway(a.id)).toBe(true);
      expect(await trunks.removeGateway(a.id)).toBe(false);
      await expect(trunks.updateGateway(a.id, { weight: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it.each([
      [{ uri: 'not a uri' }, /invalid gateway URI "not a uri"/],
      [{ uri: 'sip:+4420@203.0.113.5' }, /no user part/],
      [{ uri: 'sip:203.0.113.5', transport: 'sctp' }, /invalid transport "sctp"/],
      [{ uri: 'sip:203.0.113.5;transport=tcp', transport: 'udp' }, /the gateway URI .* says tcp/],
      [{ uri: 'sip:203.0.113.5', weight: -1 }, /invalid weight -1: expected an integer from 0/],
      [{ uri: 'sip:203.0.113.5', priority: 1.5 }, /invalid priority 1.5/],
      [{ uri: 'sip:203.0.113.5', id: 'a b' }, /invalid gateway id "a b"/],
    ])('refuses %j naming the field', async (fields, message) => {
      await expect(trunks.addGateway({ trunk: 'carrier-a', ...fields })).rejects.toThrow(message);
      expect(await trunks.listGateways()).toEqual([]);
    });

    it('refuses an unknown trunk, a taken id, the same URI twice in a trunk', async () => {
      await expect(trunks.addGateway({ trunk: 'nowhere', uri: 'sip:203.0.113.5' })).rejects.toThrow(
        'trunk nowhere does not exist (add it first: switchboard trunk add nowhere)',
      );
      await trunks.addGateway({ id: 'g1', trunk: 'carrier-a', uri: 'sip:203.0.113.5' });
      await expect(
        trunks.addGateway({ id: 'g1', trunk: 'carrier-a', uri: 'sip:203.0.113.6' }),
      ).rejects.toThrow('gateway g1 already exists');
      await expect(trunks.addGateway({ trunk: 'carrier-a', uri: 'sip:203.0.113.5' })).rejects.toThrow(
        'trunk carrier-a already has a gateway sip:203.0.113.5',
      );
      expect(await trunks.listGateways()).toHaveLength(1);
    });
  });

  describe('routes', () => {
    beforeEach(async () => {
      await trunks.addTrunk({ name: 'carrier-a' });
      await trunks.addTrunk({ name: 'carrier-b' });
    });

    it('adds routes with prefixes, prices and time bands in canonical form; lists and filters', async () => {
      const uk = await trunks.addRoute({
        prefix: '+44',
        trunk: 'carrier-a',
        price: 0.012,
        timeBands: ['Monday-Friday 8:00-18:00', 'sat,sun 00:00-24:00'],
      });
      expect(uk).toMatchObject({
        prefix: '44',
        price: 0.012,
        priority: 0,
        timeBands: ['mon-fri 08:00-18:00', 'sat,sun 00:00-24:00'],
        enabled: true,
      });
      expect(uk.id).toMatch(/^rt-[0-9a-f]{16}$/);
      const london = await trunks.addRoute({ id: 'london', prefix: '4420', trunk: 'carrier-b', priority: 1 });
      const all = await trunks.addRoute({ prefix: '', trunk: 'carrier-b' });
      expect((await trunks.listRoutes()).map((r) => r.id)).toEqual([all.id, uk.id, 'london']);
      expect((await trunks.listRoutes({ prefix: '442' })).map((r) => r.id)).toEqual(['london']);
      expect((await trunks.listRoutes({ trunk: 'carrier-a' })).map((r) => r.id)).toEqual([uk.id]);
      expect(await trunks.getRoute('london')).toEqual(london);

      const cheaper = await trunks.updateRoute('london', { price: 0.004, timeBands: ['daily 22:00-06:00'] });
      expect(cheaper).toMatchObject({ price: 0.004, timeBands: ['daily 22:00-06:00'], prefix: '4420' });
      expect((await trunks.updateRoute('london', { price: null })).price).toBeUndefined();
      expect(await trunks.removeRoute('london')).toBe(true);
      expect(await trunks.removeRoute('london')).toBe(false);
    });

    it('allows overlapping prefixes and one prefix on several trunks, not the same route twice', async () => {
      await trunks.addRoute({ prefix: '44', trunk: 'carrier-a' });
      await trunks.addRoute({ prefix: '44', trunk: 'carrier-b', priority: 1 });
      await trunks.addRoute({ prefix: '4420', trunk: 'carrier-a' });
      await trunks.addRoute({ prefix: '44', trunk: 'carrier-a', timeBands: ['mon-fri 08:00-18:00'] });
      const refused = trunks.addRoute({ prefix: '+44', trunk: 'carrier-a' });
      await expect(refused).rejects.toBeInstanceOf(ConflictError);
      await expect(refused).rejects.toThrow(
        /a route for prefix 44 to trunk carrier-a, always already exists/,
      );
      expect(await trunks.listRoutes()).toHaveLength(4);
    });

    it.each([
      [{ prefix: '44x' }, /invalid prefix "44x"/],
      [{ prefix: '1'.repeat(21) }, /invalid prefix/],
      [{ prefix: '44', price: -1 }, /invalid price -1/],
      [{ prefix: '44', priority: 70_000 }, /invalid priority 70000/],
      [{ prefix: '44', timeBands: ['mon-fri 18:00-18:00'] }, /invalid time band .*same time/],
      [{ prefix: '44', timeBands: ['funday 08:00-18:00'] }, /unknown day "funday"/],
      [{ prefix: '44', timeBands: ['mon 25:00-26:00'] }, /bad time "25:00"/],
      [{ prefix: '44', trunk: 'nowhere' }, /trunk nowhere does not exist/],
    ])('refuses %j naming the field', async (fields, message) => {
      await expect(trunks.addRoute({ trunk: 'carrier-a', ...fields })).rejects.toThrow(message);
      expect(await trunks.listRoutes()).toEqual([]);
    });

    it('imports routes all or none, naming the bad row', async () => {
      const rows = Array.from({ length: 1200 }, (_, i) => ({ prefix: String(1000 + i), trunk: 'carrier-a' }));
      expect(await trunks.importRoutes(rows)).toBe(1200);
      expect(await trunks.listRoutes()).toHaveLength(1200);
      const more = [
        { prefix: '77', trunk: 'carrier-b' },
        { prefix: '78', trunk: 'carrier-b' },
        { prefix: '77', trunk: 'carrier-b' },
      ];
      await expect(trunks.importRoutes(more)).rejects.toThrow(/^row 3: it repeats row 1/);
      await expect(trunks.importRoutes([{ prefix: '9', trunk: 'x' }])).rejects.toThrow(
        /^row 1: trunk x does not exist/,
      );
      await expect(
        trunks.importRoutes([
          { prefix: '79', trunk: 'carrier-b' },
          { prefix: '1000', trunk: 'carrier-a' },
        ]),
      ).rejects.toThrow(/a route for prefix 1000 to trunk carrier-a, always already exists/);
      expect(await trunks.listRoutes({ trunk: 'carrier-b' })).toEqual([]);
    });
  });

  describe('routing snapshot and revision', () => {
    it('bumps the revision on every write (not on refused ones) and loads everything at once', async () => {
      const start = await trunks.routingRevision();
      await trunks.addTrunk({ name: 'carrier-a' });
      const gw = await trunks.addGateway({ trunk: 'carrier-a', uri: 'sip:203.0.113.5' });
      const route = await trunks.addRoute({ prefix: '1', trunk: 'carrier-a' });
      await expect(trunks.addRoute({ prefix: 'x', trunk: 'carrier-a' })).rejects.toThrow();
      await expect(trunks.addRoute({ prefix: '1', trunk: 'carrier-a' })).rejects.toThrow();
      const snapshot = await trunks.loadRouting();
      expect(snapshot.revision).toBe(start + 3);
      expect(await trunks.routingRevision()).toBe(start + 3);
      expect(snapshot.trunks.map((t) => t.name)).toEqual(['carrier-a']);
      expect(snapshot.gateways).toEqual([gw]);
      expect(snapshot.routes).toEqual([route]);
    });
  });
}
