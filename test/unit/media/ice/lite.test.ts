import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConsentFreshness, IceLiteResponder } from '../../../../src/media/ice/index.js';
import {
  buildStun,
  parseStun,
  readXorMappedAddress,
  StunAttribute,
  StunClass,
  StunMethod,
  verifyFingerprint,
  verifyIntegrity,
} from '../../../../src/media/stun/index.js';

const LOCAL = { localUfrag: 'relayUfr', localPwd: 'relay-password-of-24-chr', remoteUfrag: 'brws' };

function check(options: {
  username?: string;
  password?: string;
  useCandidate?: boolean;
  fingerprint?: boolean;
}) {
  const attributes: Array<[number, Buffer]> = [];
  if (options.username !== undefined)
    attributes.push([StunAttribute.username, Buffer.from(options.username)]);
  attributes.push([StunAttribute.priority, Buffer.from([0x6e, 0, 1, 0xff])]);
  if (options.useCandidate === true) attributes.push([StunAttribute.useCandidate, Buffer.alloc(0)]);
  return buildStun({
    method: StunMethod.binding,
    cls: StunClass.request,
    transactionId: randomBytes(12),
    attributes,
    ...(options.password === undefined ? {} : { integrity: options.password }),
    fingerprint: options.fingerprint ?? true,
  });
}

function errorCodeOf(response: Buffer | undefined): number | undefined {
  const value =
    response === undefined ? undefined : parseStun(response)?.attributes.get(StunAttribute.errorCode);
  return value === undefined ? undefined : value[2]! * 100 + value[3]!;
}

describe('ICE-lite responder (RFC 8445 §7.3)', () => {
  const responder = new IceLiteResponder(LOCAL);

  it('answers a valid check with XOR-MAPPED-ADDRESS, integrity under our password, and fingerprint', () => {
    const verdict = responder.handle(
      check({ username: 'relayUfr:brws', password: LOCAL.localPwd }),
      '192.0.2.7',
      50000,
    );
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.nominated).toBe(false);
    const response = parseStun(verdict.response)!;
    expect(response.cls).toBe(StunClass.success);
    expect(verifyIntegrity(response, LOCAL.localPwd)).toBe(true);
    expect(verifyFingerprint(response)).toBe(true);
    expect(readXorMappedAddress(response)).toEqual({ address: '192.0.2.7', port: 50000 });
  });

  it('reports USE-CANDIDATE as the pair nominated', () => {
    const verdict = responder.handle(
      check({ username: 'relayUfr:brws', password: LOCAL.localPwd, useCandidate: true }),
      '::1',
      4000,
    );
    expect(verdict.ok && verdict.nominated).toBe(true);
  });

  it('answers a wrong password with 401 and no integrity', () => {
    const verdict = responder.handle(
      check({ username: 'relayUfr:brws', password: 'guessed' }),
      '192.0.2.7',
      1,
    );
    expect(verdict).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(errorCodeOf(verdict.ok ? undefined : verdict.response)).toBe(401);
    expect(parseStun((verdict as { response: Buffer }).response)!.integrityAt).toBeUndefined();
  });

  it('answers a username that is not ours, or names another peer, with 401', () => {
    for (const username of ['someone:brws', 'relayUfr:other']) {
      const verdict = responder.handle(check({ username, password: LOCAL.localPwd }), '192.0.2.7', 1);
      expect(verdict).toMatchObject({ ok: false, reason: 'unauthorized' });
    }
  });

  it('answers a check without MESSAGE-INTEGRITY or USERNAME with 400', () => {
    const noIntegrity = responder.handle(check({ username: 'relayUfr:brws' }), '192.0.2.7', 1);
    expect(noIntegrity).toMatchObject({ ok: false, reason: 'bad-request' });
    expect(errorCodeOf((noIntegrity as { response: Buffer }).response)).toBe(400);
    const noUsername = responder.handle(check({ password: LOCAL.localPwd }), '192.0.2.7', 1);
    expect(noUsername).toMatchObject({ ok: false, reason: 'bad-request' });
  });

  it('drops silently what has no valid FINGERPRINT, is garbage, or is not a request', () => {
    const noFingerprint = check({ username: 'relayUfr:brws', password: LOCAL.localPwd, fingerprint: false });
    expect(responder.handle(noFingerprint, '192.0.2.7', 1)).toEqual({ ok: false, reason: 'malformed' });
    expect(responder.handle(randomBytes(60), '192.0.2.7', 1)).toEqual({ ok: false, reason: 'malformed' });
    const indication = buildStun({
      method: StunMethod.binding,
      cls: StunClass.indication,
      transactionId: randomBytes(12),
      attributes: [],
      fingerprint: true,
    });
    expect(responder.handle(indication, '192.0.2.7', 1)).toEqual({ ok: false, reason: 'ignored' });
  });
});

describe('consent freshness (RFC 7675)', () => {
  it('is held after a check, lost after the timeout, reported once per loss', () => {
    const consent = new ConsentFreshness(30_000);
    expect(consent.granted(0)).toBe(false);
    expect(consent.justExpired(100_000)).toBe(false); // never granted: nothing to lose
    consent.refresh(1000);
    expect(consent.granted(30_999)).toBe(true);
    expect(consent.granted(31_000)).toBe(false);
    expect(consent.justExpired(31_000)).toBe(true);
    expect(consent.justExpired(32_000)).toBe(false);
    consent.refresh(40_000);
    expect(consent.granted(40_001)).toBe(true);
  });
});
