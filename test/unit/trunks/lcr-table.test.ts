import { describe, expect, it } from 'vitest';
import { dialledDigits, LcrTable, manipulate, zonedClock } from '../../../src/trunks/index.js';
import { route, trunk } from './fixtures.js';

const trunks = new Map(['a', 'b', 'c', 'off'].map((n) => [n, trunk(n, { enabled: n !== 'off' })]));
const ids = (entries: Array<{ id: string }>) => entries.map((e) => e.id);
/** Wednesday 2025-01-01 is a Wednesday: day 3. */
const WED_NOON = { day: 3, minute: 12 * 60 };

describe('the LCR table', () => {
  it('picks the longest matching prefix first, then shorter ones as fallbacks, each trunk once', () => {
    const table = new LcrTable(
      [
        route('all', '', 'c'),
        route('uk', '44', 'a'),
        route('london', '4420', 'b'),
        route('uk-b', '44', 'b'),
        route('us', '1', 'a'),
      ],
      trunks,
    );
    expect(ids(table.match('442079460000', WED_NOON))).toEqual(['london', 'uk', 'all']);
    expect(ids(table.match('441612345678', WED_NOON))).toEqual(['uk', 'uk-b', 'all']);
    expect(ids(table.match('14155550100', WED_NOON))).toEqual(['us', 'all']);
    expect(ids(table.match('33123456789', WED_NOON))).toEqual(['all']);
  });

  it('orders the routes of one prefix by priority, then price (unpriced last), then id', () => {
    const table = new LcrTable(
      [
        route('dear', '44', 'a', { price: 0.02 }),
        route('cheap', '44', 'b', { price: 0.01 }),
        route('unpriced', '44', 'c'),
      ],
      trunks,
    );
    expect(ids(table.match('4420', WED_NOON))).toEqual(['cheap', 'dear', 'unpriced']);
    const preferred = new LcrTable(
      [route('dear', '44', 'a', { price: 0.02 }), route('cheap', '44', 'b', { price: 0.01, priority: 1 })],
      trunks,
    );
    expect(ids(preferred.match('4420', WED_NOON))).toEqual(['dear', 'cheap']);
  });

  it('leaves out disabled routes, routes of disabled or unknown trunks, and a number matching nothing', () => {
    const table = new LcrTable(
      [route('x', '44', 'off'), route('y', '44', 'a', { enabled: false }), route('z', '44', 'ghost')],
      trunks,
    );
    expect(table.size).toBe(0);
    expect(new LcrTable([route('us', '1', 'a')], trunks).match('44', WED_NOON)).toEqual([]);
  });

  it('returns at most the limit of routes, each trunk once, whatever the catch-alls hold', () => {
    const many = new Map(Array.from({ length: 40 }, (_, i) => [`t${i}`, trunk(`t${i}`)]));
    const table = new LcrTable(
      [
        ...Array.from({ length: 40 }, (_, i) => route(`all-${i}`, '', `t${i}`, { priority: i })),
        ...Array.from({ length: 40 }, (_, i) => route(`uk-${i}`, '44', `t${i}`, { priority: 40 - i })),
      ],
      many,
    );
    const chosen = table.match('4420', WED_NOON);
    expect(chosen).toHaveLength(32);
    expect(chosen[0]!.id).toBe('uk-39');
    expect(new Set(chosen.map((e) => e.trunk)).size).toBe(32);
    // The same trunks again on the next decision: the once-only check starts afresh.
    expect(table.match('4420', WED_NOON, 3).map((e) => e.id)).toEqual(['uk-39', 'uk-38', 'uk-37']);
    expect(table.match('33', WED_NOON, 2).map((e) => e.id)).toEqual(['all-0', 'all-1']);
  });

  it('applies time bands: a daytime route by day, the night route by night, the weekend route at weekends', () => {
    const table = new LcrTable(
      [
        route('day', '44', 'a', { timeBands: ['mon-fri 08:00-18:00'] }),
        route('night', '44', 'b', { timeBands: ['mon-fri 18:00-08:00'] }),
        route('weekend', '44', 'c', { timeBands: ['sat,sun 00:00-24:00'] }),
      ],
      trunks,
    );
    expect(ids(table.match('4420', WED_NOON))).toEqual(['day']);
    expect(ids(table.match('4420', { day: 3, minute: 23 * 60 }))).toEqual(['night']);
    // Saturday 03:00 is still Friday's night band, and the weekend's.
    expect(ids(table.match('4420', { day: 6, minute: 3 * 60 }))).toEqual(['night', 'weekend']);
    expect(ids(table.match('4420', { day: 0, minute: 12 * 60 }))).toEqual(['weekend']);
  });

  it('falls back to a shorter prefix when the longest has no route in the current band', () => {
    const table = new LcrTable(
      [route('london-day', '4420', 'a', { timeBands: ['08:00-18:00'] }), route('uk', '44', 'b')],
      trunks,
    );
    expect(ids(table.match('4420', WED_NOON))).toEqual(['london-day', 'uk']);
    expect(ids(table.match('4420', { day: 3, minute: 20 * 60 }))).toEqual(['uk']);
  });
});

describe('the routing clock', () => {
  it('reads day and minute in the configured time zone, daylight saving included', () => {
    let now = Date.UTC(2025, 0, 1, 12, 30); // Wednesday 12:30 UTC
    const utc = zonedClock('UTC', () => now);
    const newYork = zonedClock('America/New_York', () => now);
    const tokyo = zonedClock('Asia/Tokyo', () => now);
    expect(utc.now()).toEqual({ day: 3, minute: 12 * 60 + 30 });
    expect(newYork.now()).toEqual({ day: 3, minute: 7 * 60 + 30 });
    expect(tokyo.now()).toEqual({ day: 3, minute: 21 * 60 + 30 });
    now = Date.UTC(2025, 6, 1, 12, 30); // Tuesday, summer: New York is UTC-4
    expect(zonedClock('America/New_York', () => now).now()).toEqual({ day: 2, minute: 8 * 60 + 30 });
    // Past local midnight the day changes too.
    now = Date.UTC(2025, 0, 1, 16, 0);
    expect(tokyo.now()).toEqual({ day: 4, minute: 60 });
  });

  it('a table with a test clock routes by the band of that clock', () => {
    let now = Date.UTC(2025, 0, 4, 10, 0); // Saturday 10:00 UTC
    const clock = zonedClock('Europe/London', () => now);
    const table = new LcrTable(
      [
        route('day', '44', 'a', { timeBands: ['mon-fri 08:00-18:00'] }),
        route('any', '44', 'b', { priority: 1 }),
      ],
      trunks,
    );
    expect(ids(table.match('44', clock.now()))).toEqual(['any']);
    now = Date.UTC(2025, 0, 6, 10, 0); // Monday
    expect(ids(table.match('44', clock.now()))).toEqual(['day', 'any']);
  });
});

describe('dialled numbers and trunk manipulation', () => {
  it('reads the digits of a number, visual separators and + dropped; anything else is no number', () => {
    expect(dialledDigits('+44 20 7946-0000')).toBe('442079460000');
    expect(dialledDigits('(415) 555.0100')).toBe('4155550100');
    for (const user of ['alice', '+44abc', '*97', '', '+', '1'.repeat(21)])
      expect(dialledDigits(user)).toBeUndefined();
  });

  it('strips leading digits (a + counts as none), then puts the prefix in front', () => {
    expect(manipulate('442079460000', 0, '00')).toBe('00442079460000');
    expect(manipulate('442079460000', 2, '0')).toBe('02079460000');
    expect(manipulate('+442079460000', 2, '0')).toBe('02079460000');
    expect(manipulate('4155550100', 0, '+1')).toBe('+14155550100');
    expect(manipulate('+14155550100', 0, '')).toBe('+14155550100');
  });
});
