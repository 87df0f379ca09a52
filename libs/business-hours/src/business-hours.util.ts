import type { BusinessHours, BusinessHoursRange, Weekday } from './business-hours.types';

const WEEKDAY_BY_SHORT_NAME: Record<string, Weekday> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const HH_MM = /^(\d{1,2}):(\d{2})$/;

// Creating a DateTimeFormat costs far more than formatting with one, and a routing pass asks
// the same few time zones over and over.
const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatterCache.get(timeZone);
  if (!fmt) {
    // Throws RangeError for an unknown IANA zone; callers decide how to degrade.
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatterCache.set(timeZone, fmt);
  }
  return fmt;
}

export interface LocalWallClock {
  weekday: Weekday;
  minuteOfDay: number;
}

/** Wall-clock weekday and minute in `timeZone` at `now`; Intl applies the zone's DST rules for us. */
export function localWallClock(timeZone: string, now: number): LocalWallClock {
  let weekday: Weekday | undefined;
  let hour = NaN;
  let minute = NaN;
  for (const part of formatterFor(timeZone).formatToParts(now)) {
    if (part.type === 'weekday') weekday = WEEKDAY_BY_SHORT_NAME[part.value];
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  if (weekday === undefined || Number.isNaN(hour) || Number.isNaN(minute)) {
    throw new RangeError(`Could not read local time in time zone "${timeZone}"`);
  }
  // Some ICU versions render midnight as "24" even with h23.
  return { weekday, minuteOfDay: (hour % 24) * 60 + minute };
}

/** 'HH:MM' -> minutes after midnight. '24:00' is accepted so a day can close exactly at midnight. */
export function parseClockTime(value: string): number {
  const m = HH_MM.exec(value);
  if (m) {
    const hours = Number(m[1]);
    const minutes = Number(m[2]);
    if (minutes < 60 && (hours < 24 || (hours === 24 && minutes === 0))) return hours * 60 + minutes;
  }
  throw new RangeError(`Invalid business-hours time "${value}", expected HH:MM (00:00-24:00)`);
}

function rangesOf(hours: BusinessHours, day: Weekday): BusinessHoursRange[] {
  return hours.days[day] ?? [];
}

/**
 * Whether a team is open at `now`.
 *
 * A range whose close is at or before its open runs past midnight into the next day, so
 * 22:00-06:00 on Monday covers Monday 22:00 to Tuesday 06:00, and 00:00-00:00 is a full day.
 * Treating equal times as 24h rather than "empty" matches how most admin UIs express "open all day".
 *
 * @throws RangeError for an unknown time zone or malformed 'HH:MM'; decide() turns that into a warning.
 */
export function isOpen(hours: BusinessHours | null, now: number): boolean {
  if (hours === null) return true;
  const { weekday, minuteOfDay } = localWallClock(hours.timezone, now);

  for (const range of rangesOf(hours, weekday)) {
    const open = parseClockTime(range.open);
    const close = parseClockTime(range.close);
    if (close > open) {
      if (minuteOfDay >= open && minuteOfDay < close) return true;
    } else if (minuteOfDay >= open) {
      return true; // first half of an overnight range
    }
  }

  const yesterday = ((weekday + 6) % 7) as Weekday;
  for (const range of rangesOf(hours, yesterday)) {
    const open = parseClockTime(range.open);
    const close = parseClockTime(range.close);
    if (close <= open && minuteOfDay < close) return true; // tail of yesterday's overnight range
  }
  return false;
}

/** Validates a schedule up front so configuration screens can reject it instead of the router silently degrading. */
export function validateBusinessHours(hours: BusinessHours): { ok: true } | { ok: false; message: string } {
  try {
    formatterFor(hours.timezone);
    for (const day of Object.keys(hours.days)) {
      const d = Number(day);
      if (!Number.isInteger(d) || d < 0 || d > 6) return { ok: false, message: `Invalid weekday "${day}", expected 0-6` };
      for (const range of rangesOf(hours, d as Weekday)) {
        parseClockTime(range.open);
        parseClockTime(range.close);
      }
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
