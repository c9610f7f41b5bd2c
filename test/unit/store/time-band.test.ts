import { describe, expect, it } from 'vitest';
import { checkTimeBands, formatTimeBand, inTimeBand, parseTimeBand } from '../../../src/store/index.js';

const SUN = 0;
const MON = 1;
const FRI = 5;
const SAT = 6;
const at = (h: number, m = 0) => h * 60 + m;

describe('time bands', () => {
  it.each([
    ['mon-fri 08:00-18:00', 'mon-fri 08:00-18:00'],
    ['Monday-Friday 8:00-18:00', 'mon-fri 08:00-18:00'],
    ['sat,sun 00:00-24:00', 'sat,sun 00:00-24:00'],
    ['weekends 00:00-24:00', 'sat,sun 00:00-24:00'],
    ['weekdays 09:00-17:30', 'mon-fri 09:00-17:30'],
    ['08:00-18:00', 'daily 08:00-18:00'],
    ['fri-mon 22:00-06:00', 'mon,fri-sun 22:00-06:00'],
    ['mon,wed,fri 12:00-13:00', 'mon,wed,fri 12:00-13:00'],
  ])('reads %j as %j', (text, canonical) => {
    expect(formatTimeBand(parseTimeBand(text))).toBe(canonical);
  });

  it.each([
    '',
    'mon-fri',
    'mon-fri 08:00',
    'mon-fri 08:00-18:00 extra',
    'xyz 08:00-09:00',
    'mon 24:00-01:00',
    'mon 08:60-09:00',
  ])('refuses %j', (text) => {
    expect(() => parseTimeBand(text)).toThrow(/invalid time band/);
  });

  it('drops repeated bands when canonicalising a list', () => {
    expect(checkTimeBands(['mon-fri 08:00-18:00', 'weekdays 8:00-18:00'])).toEqual(['mon-fri 08:00-18:00']);
  });

  it('a day band covers [start, end) on its days only', () => {
    const band = parseTimeBand('mon-fri 08:00-18:00');
    expect(inTimeBand(band, MON, at(8))).toBe(true);
    expect(inTimeBand(band, MON, at(17, 59))).toBe(true);
    expect(inTimeBand(band, MON, at(18))).toBe(false);
    expect(inTimeBand(band, MON, at(7, 59))).toBe(false);
    expect(inTimeBand(band, SAT, at(12))).toBe(false);
  });

  it('a band past midnight covers the early hours of the day after its days', () => {
    const band = parseTimeBand('fri 22:00-06:00');
    expect(inTimeBand(band, FRI, at(23))).toBe(true);
    expect(inTimeBand(band, SAT, at(5, 59))).toBe(true);
    expect(inTimeBand(band, SAT, at(6))).toBe(false);
    expect(inTimeBand(band, FRI, at(5))).toBe(false);
    expect(inTimeBand(band, SAT, at(23))).toBe(false);
    const sunday = parseTimeBand('sun 23:00-01:00');
    expect(inTimeBand(sunday, MON, at(0, 30))).toBe(true);
    expect(inTimeBand(sunday, SUN, at(0, 30))).toBe(false);
  });

  it('00:00-24:00 is the whole day', () => {
    const band = parseTimeBand('sat 00:00-24:00');
    expect(inTimeBand(band, SAT, 0)).toBe(true);
    expect(inTimeBand(band, SAT, at(23, 59))).toBe(true);
    expect(inTimeBand(band, SUN, 0)).toBe(false);
  });
});
