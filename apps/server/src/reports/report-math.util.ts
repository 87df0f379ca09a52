/** Pure report arithmetic: percentiles and calendar buckets in a time zone (DST-aware), clock passed in. */

export type ReportInterval = 'hour' | 'day' | 'week';
export const REPORT_INTERVALS: readonly ReportInterval[] = ['hour', 'day', 'week'];

/**
 * The p-th percentile with linear interpolation between closest ranks, the same definition as
 * PostgreSQL's percentile_cont (so series and totals agree). Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Monday
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function localParts(at: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) parts[p.type] = p.value;
  return {
    year: +parts.year!,
    month: +parts.month!,
    day: +parts.day!,
    hour: +parts.hour!,
    minute: +parts.minute!,
    second: +parts.second!,
    weekday: WEEKDAYS.indexOf(parts.weekday!),
  };
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a local wall-clock time names in a zone. A time that does not exist (inside a
 * spring-forward gap) resolves to the first instant after the gap; an ambiguous one (autumn) to
 * the earlier, so a local day that starts at midnight always starts once.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  const candidates = [wall - offsetAt(wall - 86400_000, timeZone), wall - offsetAt(wall + 86400_000, timeZone)].sort((a, b) => a - b);
  for (const c of candidates) {
    const p = localParts(c, timeZone);
    if (Date.UTC(p.year, p.month - 1, p.day, p.hour) === wall) return c;
  }
  // In a gap: the later candidate is the first instant after it.
  return candidates[1]!;
}

/** The start of the local hour, day or ISO week (Monday) that contains `at`, as a UTC instant. */
export function bucketStart(at: number, interval: ReportInterval, timeZone: string): number {
  const p = localParts(at, timeZone);
  if (interval === 'hour') {
    // Hours are absolute: across a DST change a local hour can repeat, and each is its own bucket.
    const offset = offsetAt(at, timeZone);
    return Math.floor((at + offset) / 3600_000) * 3600_000 - offset;
  }
  const dayStart = zonedTimeToUtc(p.year, p.month, p.day, 0, timeZone);
  if (interval === 'day') return dayStart;
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - p.weekday));
  return zonedTimeToUtc(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, timeZone);
}

/** Every bucket start from the one containing `from` up to (not including) `to`. */
export function bucketsBetween(from: number, to: number, interval: ReportInterval, timeZone: string): number[] {
  const out: number[] = [];
  let cur = bucketStart(from, interval, timeZone);
  while (cur < to && out.length < 10_000) {
    out.push(cur);
    // Step past the bucket by its nominal length plus a margin, then snap back to the bucket start:
    // a 23- or 25-hour day still lands in the next local day.
    const step = interval === 'hour' ? 3600_000 : interval === 'day' ? 26 * 3600_000 : 7 * 86400_000 + 2 * 3600_000;
    const next = bucketStart(cur + step, interval, timeZone);
    cur = next > cur ? next : cur + step;
  }
  return out;
}

/** Whether the zone name is one the runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
