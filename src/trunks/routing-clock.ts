/** A moment as time bands see it: day of the week (0 = Sunday) and minute of the day, in a zone. */
export interface RoutingMoment {
  day: number;
  minute: number;
}

/** What LCR asks for the time: injectable, so tests pin the day and hour. */
export interface RoutingClock {
  now(): RoutingMoment;
}

const DAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/**
 * The wall clock in an IANA time zone (`Europe/London`; daylight saving included). Worked out
 * once a minute: every routing decision asks, and Intl formatting costs microseconds.
 */
export function zonedClock(timeZone: string, nowMs: () => number = Date.now): RoutingClock {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  let cachedMinute = Number.NaN;
  let cached: RoutingMoment = { day: 0, minute: 0 };
  return {
    now() {
      const ms = nowMs();
      const minute = Math.floor(ms / 60_000);
      if (minute !== cachedMinute) {
        cachedMinute = minute;
        cached = momentOf(format, ms);
      }
      return cached;
    },
  };
}

function momentOf(format: Intl.DateTimeFormat, ms: number): RoutingMoment {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(ms)) {
    if (part.type === 'weekday') day = DAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

/** Whether `timeZone` is one Intl knows (checked at configuration time). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
