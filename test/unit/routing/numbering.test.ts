import { describe, expect, it } from 'vitest';
import { forDisplay, looksDialled, numberForms, toE164 } from '../../../src/routing/features/numbering.js';
import { firstMatch, matchesPattern } from '../../../src/routing/features/patterns.js';

const berlin = { countryCode: '49', nationalPrefix: '0', internationalPrefix: '00', areaCode: '30' };

describe('number normalisation by a domain numbering plan', () => {
  it('turns international, national and local formats into E.164', () => {
    expect(toE164('+49 30 1234567', berlin)).toEqual({ kind: 'e164', number: '+49301234567' });
    expect(toE164('0044 20 7946 0000', berlin)).toEqual({ kind: 'e164', number: '+442079460000' });
    expect(toE164('030 1234-567', berlin)).toEqual({ kind: 'e164', number: '+49301234567' });
    expect(toE164('1234567', berlin)).toEqual({ kind: 'e164', number: '+49301234567' });
    expect(toE164('1234567', { countryCode: '49', nationalPrefix: '0' })).toBeUndefined();
    expect(toE164('bob', berlin)).toBeUndefined();
  });

  it('tells numbers too short or too long for E.164', () => {
    expect(toE164('00', berlin)).toEqual({ kind: 'invalid', reason: 'incomplete' });
    expect(toE164('0', berlin)).toEqual({ kind: 'invalid', reason: 'incomplete' });
    expect(toE164('00491234567890123456', berlin)).toEqual({ kind: 'invalid', reason: 'too-long' });
  });

  it('shows E.164 numbers as the domain dials them', () => {
    expect(forDisplay('+49301234567', berlin)).toBe('0301234567');
    expect(forDisplay('+442079460000', berlin)).toBe('00442079460000');
    expect(forDisplay('+442079460000', undefined)).toBe('+442079460000');
    expect(numberForms('0301234567', berlin)).toEqual(['0301234567', '+49301234567']);
    expect(looksDialled('(030) 123')).toBe(true);
    expect(looksDialled('alice')).toBe(false);
  });
});

describe('barring patterns', () => {
  it('match literally, ? one character, a trailing * any rest', () => {
    expect(matchesPattern('+1900*', '+19005550100')).toBe(true);
    expect(matchesPattern('+1900*', '+14155550100')).toBe(false);
    expect(matchesPattern('+4930123456?', '+49301234567')).toBe(true);
    expect(matchesPattern('+4930123456?', '+493012345678')).toBe(false);
    expect(matchesPattern('*', 'anything')).toBe(true);
    expect(matchesPattern('bob', 'bobby')).toBe(false);
    expect(firstMatch(['00*', '+1900*'], ['0044123', '+44123'])).toBe('00*');
    expect(firstMatch(undefined, ['x'])).toBeUndefined();
  });
});
