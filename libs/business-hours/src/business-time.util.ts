import { isOpen, localWallClock, parseClockTime } from './business-hours.util';
import type { BusinessHours, Weekday } from './business-hours.types';

/**
 * Arithmetic in open time: a due time that counts only the hours a schedule is open, and the open
 * time between two instants (SLA clocks, their pauses). DST-exact, the clock passed in.
 */

const MINUTE = 60_000;
/** A schedule with no open minute within a year has no due time at all (rather than a loop without end). */
const HORIZON_MS = 366 * 86_400_000;

/** Minutes of the local day at which a schedule opens or closes (including yesterday's overnight close). */
function boundariesOf(hours: BusinessHours, weekday: Weekday): number[] {
  const out: number[] = [];
  for (const r of hours.days[weekday] ?? []) out.push(parseClockTime(r.open), parseClockTime(r.close));
  for (const r of hours.days[((weekday + 6) % 7) as Weekday] ?? []) {
    const open = parseClockTime(r.open);
    const close = parseClockTime(r.close);
    if (close <= open) out.push(close);
  }
  return out;
}

/**
 * The stretch starting at `t` during which the schedule stays open (or closed). A stretch never
 * crosses a local opening/closing minute nor a UTC half hour: time zones change offset (DST) on
 * those, so local-minute arithmetic is exact inside one stretch.
 */
function stretchAt(hours: BusinessHours, t: number): { open: boolean; until: number } {
  const open = isOpen(hours, t);
  if (t % MINUTE !== 0) return { open, until: Math.ceil(t / MINUTE) * MINUTE };
  const { weekday, minuteOfDay } = localWallClock(hours.timezone, t);
  let next = 1440;
  for (const b of boundariesOf(hours, weekday)) if (b > minuteOfDay && b < next) next = b;
  const toHalfHour = 30 - (Math.floor(t / MINUTE) % 30);
  return { open, until: t + Math.min(next - minuteOfDay, toHalfHour) * MINUTE };
}

/** `start` plus `seconds` of open time (wall time when `hours` is null); null when the schedule never opens. */
export function addBusinessSeconds(start: number, seconds: number, hours: BusinessHours | null): number | null {
  if (!hours) return start + seconds * 1000;
  let remaining = seconds * 1000;
  let t = start;
  if (remaining <= 0) return t;
  if (!Object.values(hours.days).some((ranges) => ranges && ranges.length > 0)) return null;
  while (t - start < HORIZON_MS) {
    const { open, until } = stretchAt(hours, t);
    if (open) {
      if (until - t >= remaining) return t + remaining;
      remaining -= until - t;
    }
    t = until;
  }
  return null;
}

/** Open milliseconds between `from` and `to` (wall time when `hours` is null). */
export function businessMsBetween(from: number, to: number, hours: BusinessHours | null): number {
  if (to <= from) return 0;
  if (!hours) return to - from;
  let total = 0;
  let t = from;
  while (t < to) {
    const { open, until } = stretchAt(hours, t);
    const end = Math.min(until, to);
    if (open) total += end - t;
    t = end;
  }
  return total;
}
