import { describe, expect, it } from 'vitest';
import { parseUri, type SipResponse, type SipUri } from '../../../src/sip/message/index.js';
import { UserAgentCore } from '../../../src/sip/ua/index.js';
import {
  type RegisteringTrunk,
  registrationAddresses,
  type TrunkRegistrationStatus,
  TrunkRegistrations,
} from '../../../src/trunk-registration/index.js';
import { answer, FakeClock, FakeTransport, flush, sip } from '../ua/fakes.js';

const local = (protocol: string): SipUri =>
  parseUri(`sip:198.51.100.7:5060${protocol === 'udp' ? '' : `;transport=${protocol}`}`) as SipUri;

const carrierA: RegisteringTrunk = {
  name: 'carrier-a',
  enabled: true,
  registration: {
    registrar: 'sip:reg.carrier-a.example:5070',
    username: 'acct1',
    password: 'pw',
    expires: 120,
  },
};
const carrierB: RegisteringTrunk = { name: 'carrier-b', enabled: true };

function setup(initial: RegisteringTrunk[]) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const core = new UserAgentCore({ transport, onError: () => {} });
  let trunks: RegisteringTrunk[] | Error = initial;
  const changes: Array<{ trunk: string; state: string; previous: string }> = [];
  const errors: Array<{ error: unknown; trunk?: string }> = [];
  const registrations = new TrunkRegistrations({
    core,
    trunks: async () => {
      if (trunks instanceof Error) throw trunks;
      return trunks;
    },
    localContact: local,
    pollMs: 1000,
    timers: clock,
    now: () => clock.now,
    onChange: (s: TrunkRegistrationStatus, previous) =>
      changes.push({ trunk: s.trunk, state: s.state, previous }),
    onError: (error, trunk) => errors.push(trunk === undefined ? { error } : { error, trunk }),
  });
  return {
    clock,
    transport,
    registrations,
    changes,
    errors,
    setTrunks: (list: RegisteringTrunk[] | Error) => {
      trunks = list;
    },
    /** Answer the last REGISTER 200, granting what it asked for. */
    grantLast(): void {
      const tx = transport.sent('REGISTER').at(-1)!;
      const res = answer(tx.request, 200);
      const contact = tx.request.get('contact')!;
      res.append('contact', `${contact};expires=${tx.request.get('expires')}`);
      tx.receive(sip<SipResponse>(res.toString()));
    },
  };
}

describe('registrationAddresses', () => {
  it('registers username@registrar-domain with a Contact of the username at the node', () => {
    expect(registrationAddresses(carrierA.registration!, local)).toEqual({
      registrar: 'sip:reg.carrier-a.example:5070',
      aor: 'sip:acct1@reg.carrier-a.example',
      contact: 'sip:acct1@198.51.100.7:5060',
    });
  });

  it('uses the registrar’s transport for the Contact and escapes the username', () => {
    const addresses = registrationAddresses(
      { registrar: 'sip:reg.example;transport=tcp', username: 'a b@c', password: 'x', expires: 60 },
      local,
    );
    expect(addresses.contact).toBe('sip:a%20b%40c@198.51.100.7:5060;transport=tcp');
    expect(addresses.aor).toBe('sip:a%20b%40c@reg.example');
  });

  it('refuses a registrar that is not a SIP URI', () => {
    expect(() =>
      registrationAddresses({ registrar: 'tel:+123', username: 'a', password: 'x', expires: 60 }, local),
    ).toThrow(/not a SIP URI/);
  });
});

describe('TrunkRegistrations', () => {
  it('registers each enabled trunk with registration settings and shows its status', async () => {
    const { clock, transport, registrations, changes, grantLast } = setup([carrierA, carrierB]);
    await registrations.start();
    clock.advance(0);
    await flush();
    const [register] = transport.sent('REGISTER');
    expect(register?.request.uriText).toBe('sip:reg.carrier-a.example:5070');
    expect(register?.request.get('contact')).toBe('<sip:acct1@198.51.100.7:5060>');
    expect(register?.request.get('expires')).toBe('120');
    expect(registrations.get('carrier-a')?.state).toBe('registering');
    grantLast();
    await flush();
    expect(registrations.list()).toEqual([
      expect.objectContaining({
        trunk: 'carrier-a',
        state: 'registered',
        expires: 120,
        aor: 'sip:acct1@reg.carrier-a.example',
      }),
    ]);
    expect(registrations.get('carrier-b')).toBeUndefined();
    expect(changes).toEqual([
      { trunk: 'carrier-a', state: 'registering', previous: 'unregistered' },
      { trunk: 'carrier-a', state: 'registered', previous: 'registering' },
    ]);
    const stopping = registrations.stop();
    await flush();
    expect(transport.sent('REGISTER').at(-1)?.request.get('expires')).toBe('0');
    grantLast();
    await stopping;
    expect(changes.at(-1)).toEqual({ trunk: 'carrier-a', state: 'unregistered', previous: 'registered' });
    expect(registrations.list()).toEqual([]);
  });

  it('follows the store: a disabled trunk is unregistered, changed settings re-register', async () => {
    const { clock, transport, registrations, setTrunks, grantLast } = setup([carrierA]);
    await registrations.start();
    clock.advance(0);
    await flush();
    grantLast();
    await flush();
    setTrunks([{ ...carrierA, enabled: false }]);
    clock.advance(1000);
    await flush();
    expect(transport.sent('REGISTER').at(-1)?.request.get('expires')).toBe('0');
    grantLast();
    await flush();
    expect(registrations.list()).toEqual([]);
    setTrunks([{ ...carrierA, registration: { ...carrierA.registration!, expires: 300 } }]);
    clock.advance(1000);
    await flush();
    clock.advance(0);
    await flush();
    expect(transport.sent('REGISTER').at(-1)?.request.get('expires')).toBe('300');
    expect(registrations.get('carrier-a')?.state).toBe('registering');
    grantLast();
    await flush();
    const stopping = registrations.stop();
    await flush();
    grantLast();
    await stopping;
    expect(transport.sent('REGISTER').at(-1)?.request.get('expires')).toBe('0');
  });

  it('reports a trunk whose registrar does not parse and a store that cannot be read, and goes on', async () => {
    const bad: RegisteringTrunk = {
      name: 'bad',
      enabled: true,
      registration: { registrar: 'sip:', username: 'u', password: 'p', expires: 60 },
    };
    const { clock, registrations, errors, setTrunks } = setup([bad, carrierA]);
    await registrations.start();
    expect(errors.map((e) => e.trunk)).toEqual(['bad']);
    expect(registrations.list().map((s) => s.trunk)).toEqual(['carrier-a']);
    setTrunks(new Error('store down'));
    clock.advance(1000);
    await flush();
    expect(errors.map((e) => (e.error as Error).message)).toContain('store down');
    expect(registrations.list().map((s) => s.trunk)).toEqual(['carrier-a']);
    const stopping = registrations.stop();
    await flush();
    clock.advance(2000);
    await flush();
    clock.advance(2000);
    await stopping;
  });
});
