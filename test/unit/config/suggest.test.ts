import { describe, expect, it } from 'vitest';
import { closestMatch } from '../../../src/config/suggest.js';

describe('closestMatch', () => {
  const known = ['sip.port', 'sip.listen', 'sip.transports', 'proxy.mode'];

  it('finds typos', () => {
    expect(closestMatch('sip.prot', known)).toBe('sip.port');
    expect(closestMatch('sip.transport', known)).toBe('sip.transports');
    expect(closestMatch('proxy.Mode', known)).toBe('proxy.mode');
  });

  it('suggests nothing for unrelated names', () => {
    expect(closestMatch('database.url', known)).toBeUndefined();
  });
});
