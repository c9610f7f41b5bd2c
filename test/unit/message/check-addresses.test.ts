import { describe, expect, it } from 'vitest';
import { checkNameAddress, parseNameAddress } from '../../../src/sip/message/name-address.js';
import { parseRequest, request } from './fixtures.js';

/** The error a function throws, or undefined. */
function thrown(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const values = [
  '<sip:a@example.com>;expires=60',
  '"Bob \\"B\\"" <sip:b@example.com;lr>;tag=x',
  'Bob  <sip:b@example.com>',
  'sip:c@example.com;q=0.5',
  'sip:c@example.com?x=1',
  '<sip:a@example.com',
  'B@b <sip:b@example.com>',
  '<sip:a@example.com>;=1',
  '<sip:a@example.com>;p="open',
  '<sip:a@example.com>;p=[::1',
  '<sip:a@example.com>;p=',
  '<sip:a@example.com>;p=1 x',
  '<sip:a@example.com> x',
  '<sip:a@exa mple.com>',
  '"unterminated <sip:a@example.com>',
];

describe('checking addresses without building them', () => {
  it('checkNameAddress throws exactly what parseNameAddress throws', () => {
    for (const value of values)
      expect(thrown(() => checkNameAddress(value))).toBe(thrown(() => parseNameAddress(value)));
  });

  it('checkAddresses throws what the typed accessor throws, first bad address first', () => {
    const cases: string[][] = [
      ['Contact: <sip:a@x>, <sip:b@x>', 'Contact: sip:c@x;q=1'],
      ['Contact: <sip:a@x>, <sip:b@x', 'Contact: <bad'],
      ['Contact: <sip:a@x>', 'Contact: "open <sip:b@x>'],
      ['Record-Route: <sip:p1;lr>, <sip:p2;lr>;x="1"'],
      ['Record-Route: <sip:p1;lr>;x=', 'Record-Route: <sip:p2;lr>'],
      [],
    ];
    for (const extra of cases) {
      const checked = parseRequest(request(extra));
      const read = parseRequest(request(extra));
      expect(thrown(() => checked.checkAddresses('contact'))).toBe(thrown(() => read.contacts));
      expect(thrown(() => checked.checkAddresses('record-route'))).toBe(thrown(() => read.recordRoutes));
    }
  });

  it('reports Contact: * and answers from addresses already read', () => {
    expect(parseRequest(request(['Contact: *'], 'REGISTER')).checkAddresses('contact')).toBe(true);
    expect(parseRequest(request(['Contact: <sip:a@x>'])).checkAddresses('contact')).toBe(false);
    const read = parseRequest(request(['Contact: *'], 'REGISTER'));
    expect(read.contacts).toBe('*');
    expect(read.checkAddresses('contact')).toBe(true);
  });
});
