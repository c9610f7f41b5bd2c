import { InvalidInputError } from './errors.js';

/**
 * A time band of a route: days of the week and a time of day, `mon-fri 08:00-18:00`. The days
 * are those the band starts on; an end at or before the start runs past midnight
 * (`daily 22:00-06:00`). Written as text (stored, shown and typed the same way).
 */
export interface TimeBand {
  /** Days the band starts on, as Date#getDay() counts them: 0 = Sunday ... 6 = Saturday. */
  days: ReadonlySet<number>;
  /** Minutes after midnight, 0-1439. */
  start: number;
  /** Minutes after midnight, 1-1440; at or before `start`: the next day. */
  end: number;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Monday first, as people write weeks. */
const WEEK = [1, 2, 3, 4, 5, 6, 0];
const TIME = /^(\d{1,2}):(\d{2})$/;

/** Parses `mon-fri 08:00-18:00`, `sat,sun 09:00-13:00`, `daily 22:00-06:00`, `08:00-18:00` (daily). */
export function parseTimeBand(text: string): TimeBand {
  const parts = text.trim().toLowerCase().split(/\s+/);
  const [dayText, timeText] = parts.length === 1 ? ['daily', parts[0]!] : parts;
  if (parts.length > 2 || dayText === undefined || timeText === undefined) throw invalid(text);
  const days = parseDays(dayText, text);
  const [startText, endText, extra] = timeText.split('-');
  if (startText === undefined || endText === undefined || extra !== undefined) throw invalid(text);
  const start = parseTime(startText, text);
  const end = parseTime(endText, text);
  if (start === 1440) throw invalid(text, 'a band cannot start at 24:00');
  if (start === end) throw invalid(text, 'start and end are the same time');
  return { days, start, end };
}

/** The canonical text of a band: `mon-fri 08:00-18:00` (what the store keeps). */
export function formatTimeBand(band: TimeBand): string {
  return `${formatDays(band.days)} ${formatTime(band.start)}-${formatTime(band.end)}`;
}

/** Checks and canonicalises a list of bands (duplicates dropped). */
export function checkTimeBands(values: readonly string[]): string[] {
  const bands: string[] = [];
  for (const value of values) {
    const band = formatTimeBand(parseTimeBand(value));
    if (!bands.includes(band)) bands.push(band);
  }
  return bands;
}

/**
 * Whether a moment, given as its day of the week and minute of the day in the routing time
 * zone, falls in the band. A band past midnight covers the early hours of the day after.
 */
export function inTimeBand(band: TimeBand, day: number, minute: number): boolean {
  if (band.start < band.end) return band.days.has(day) && minute >= band.start && minute < band.end;
  // Past midnight: from start to 24:00 on a band day, or 00:00 to end on the day after one.
  if (band.days.has(day) && minute >= band.start) return true;
  return band.days.has((day + 6) % 7) && minute < band.end;
}

function parseDays(text: string, whole: string): Set<number> {
  if (text === 'daily' || text === 'all') return new Set(WEEK);
  if (text === 'weekdays') return new Set([1, 2, 3, 4, 5]);
  if (text === 'weekends') return new Set([6, 0]);
  const days = new Set<number>();
  for (const item of text.split(',')) {
    const [from, to, extra] = item.split('-');
    if (from === undefined || extra !== undefined) throw invalid(whole);
    const first = dayOf(from, whole);
    if (to === undefined) {
      days.add(first);
      continue;
    }
    // A range in week order, wrapping past Sunday (`fri-mon`).
    const last = dayOf(to, whole);
    let i = WEEK.indexOf(first);
    for (;;) {
      const day = WEEK[i % 7]!;
      days.add(day);
      if (day === last) break;
      i++;
    }
  }
  return days;
}

function dayOf(name: string, whole: string): number {
  const day = DAY_NAMES.indexOf(name.slice(0, 3));
  if (day < 0 || !(DAY_NAMES[day]! === name || fullName(day) === name)) {
    throw invalid(whole, `unknown day ${JSON.stringify(name)}`);
  }
  return day;
}

function fullName(day: number): string {
  return ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][day]!;
}

function parseTime(text: string, whole: string): number {
  const m = TIME.exec(text);
  const hours = Number(m?.[1]);
  const minutes = Number(m?.[2]);
  if (!m || minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    throw invalid(whole, `bad time ${JSON.stringify(text)}`);
  }
  return hours * 60 + minutes;
}

function formatDays(days: ReadonlySet<number>): string {
  if (days.size === 7) return 'daily';
  // Runs of consecutive days in week order: `mon-fri`, `sat-sun`, `mon,wed`.
  const runs: string[] = [];
  let i = 0;
  while (i < 7) {
    if (!days.has(WEEK[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < 7 && days.has(WEEK[j + 1]!)) j++;
    const first = DAY_NAMES[WEEK[i]!]!;
    const last = DAY_NAMES[WEEK[j]!]!;
    if (j === i) runs.push(first);
    else if (j === i + 1) runs.push(`${first},${last}`);
    else runs.push(`${first}-${last}`);
    i = j + 1;
  }
  return runs.join(',');
}

function formatTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function invalid(text: string, why?: string): InvalidInputError {
  return new InvalidInputError(
    `invalid time band ${JSON.stringify(text)}${why ? ` (${why})` : ''}: expected days and hours such as "mon-fri 08:00-18:00", "sat,sun 00:00-24:00" or "daily 22:00-06:00"`,
  );
}
