/**
 * The reports screen's data shaping, kept free of React and uPlot so it is tested on its own:
 * the filters the URL holds, the query they make, the chart columns and the agent table order.
 */
import { CHANNEL_KINDS } from '@inbox/realtime-contract';

export const REPORT_CHANNELS = CHANNEL_KINDS;
export const DRILL_METRICS = ['created', 'resolved', 'unresolved', 'answered', 'unanswered', 'csat_low', 'csat_rated', 'sla_breached'] as const;
export type DrillMetric = (typeof DRILL_METRICS)[number];
export type Interval = 'hour' | 'day' | 'week';

/** What the URL holds: a shared link opens the same report. Dates are local calendar days, `to` inclusive. */
export interface ReportFilters {
  from: string;
  to: string;
  teamId: string | null;
  inboxId: string | null;
  channel: string | null;
  agentId: string | null;
  interval: Interval | null;
  drill: DrillMetric | null;
  drillAgentId: string | null;
}

export interface SeriesPoint {
  start: string;
  created: number;
  resolved: number;
  firstResponseSecondsP50: number | null;
  firstResponseSecondsP90: number | null;
  resolutionSecondsP50: number | null;
  resolutionSecondsP90: number | null;
  csatAverage: number | null;
  csatResponses: number;
  slaMetRate?: number | null;
}

export interface AgentRow {
  agentId: string;
  name: string;
  assigned: number;
  resolved: number;
  firstResponseSecondsP50: number | null;
  resolutionSecondsP50: number | null;
  csatAverage: number | null;
  csatResponses: number;
  qaAveragePercent: number | null;
}

export interface KpiReport {
  period: { from: string; to: string };
  conversations: { created: number; resolved: number; unresolved: number; answered: number };
  resolutionRate: number | null;
  firstResponseSeconds: { p50: number | null; p90: number | null };
  resolutionSeconds: { p50: number | null; p90: number | null };
  slaBreaches: number;
  csat: { responses: number; surveysSent: number; responseRate: number | null; average: number | null; satisfiedRate: number | null; distribution: Record<string, number> };
  sla: { conversationsWithSla: number; met: number; metRate: number | null };
  byAgent: AgentRow[];
  byTeam: Array<{
    teamId: string;
    name: string;
    created: number;
    resolved: number;
    resolutionRate: number | null;
    firstResponseSecondsP50: number | null;
    csatAverage: number | null;
    slaMetRate: number | null;
    qaAveragePercent: number | null;
  }>;
  series: { interval: Interval; timeZone: string; points: SeriesPoint[] } | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f-]{36}$/i;

/** A local calendar day as YYYY-MM-DD. */
export function isoDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The last 7 days, today included. */
export function defaultRange(now: Date): { from: string; to: string } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 6);
  return { from: isoDay(from), to: isoDay(now) };
}

/** Reads the filters from the query string; anything malformed falls back to the default instead of breaking the screen. */
export function parseFilters(params: URLSearchParams, now: Date): ReportFilters {
  const d = defaultRange(now);
  const day = (k: string, fallback: string) => {
    const v = params.get(k);
    return v && DAY.test(v) && !Number.isNaN(new Date(`${v}T00:00:00`).getTime()) ? v : fallback;
  };
  const id = (k: string) => {
    const v = params.get(k);
    return v && UUID.test(v) ? v : null;
  };
  let from = day('from', d.from);
  let to = day('to', d.to);
  if (from > to) [from, to] = [to, from];
  const channel = params.get('channel');
  const interval = params.get('interval');
  const drill = params.get('drill');
  return {
    from,
    to,
    teamId: id('teamId'),
    inboxId: id('inboxId'),
    agentId: id('agentId'),
    channel: channel && (REPORT_CHANNELS as readonly string[]).includes(channel) ? channel : null,
    interval: interval === 'hour' || interval === 'day' || interval === 'week' ? interval : null,
    drill: drill && (DRILL_METRICS as readonly string[]).includes(drill) ? (drill as DrillMetric) : null,
    drillAgentId: id('drillAgentId'),
  };
}

/** The filters back into a query string, leaving out empty values so links stay short. */
export function filtersToParams(f: Partial<ReportFilters>): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v));
  return p;
}

/** An interval that gives a readable number of points: hours for up to two days, weeks beyond three months. */
export function autoInterval(from: string, to: string): Interval {
  const days = (new Date(`${to}T00:00:00`).getTime() - new Date(`${from}T00:00:00`).getTime()) / 86400_000 + 1;
  if (days <= 2) return 'hour';
  if (days <= 92) return 'day';
  return 'week';
}

/** The API period: from the start of the first local day to the start of the day after the last. */
export function periodOf(f: Pick<ReportFilters, 'from' | 'to'>): { from: string; to: string } {
  const [y, m, d] = f.to.split('-').map(Number) as [number, number, number];
  return { from: new Date(`${f.from}T00:00:00`).toISOString(), to: new Date(y, m - 1, d + 1).toISOString() };
}

/** The query of `GET /reports/kpis` (and the same filters for drill-down and exports). */
export function reportQuery(f: ReportFilters, timeZone: string, extra: Record<string, string> = {}): string {
  const p = periodOf(f);
  const q = filtersToParams({ from: p.from, to: p.to, teamId: f.teamId, inboxId: f.inboxId, channel: f.channel, agentId: f.agentId });
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  if (!('interval' in extra)) q.set('interval', f.interval ?? autoInterval(f.from, f.to));
  q.set('tz', timeZone);
  return q.toString();
}

/** uPlot's aligned columns: x in seconds, then one column per series, null where a bucket has no value (a gap, not a zero). */
export function seriesColumns(points: SeriesPoint[], keys: Array<keyof SeriesPoint>, scale: (v: number) => number = (v) => v): [number[], ...Array<Array<number | null>>] {
  const xs = points.map((p) => Math.floor(new Date(p.start).getTime() / 1000));
  const ys = keys.map((k) =>
    points.map((p) => {
      const v = p[k];
      return typeof v === 'number' ? scale(v) : null;
    }),
  );
  return [xs, ...ys];
}

/** True when a chart would have nothing to draw (every value null or, for counts, zero). */
export function isEmptySeries(points: SeriesPoint[], keys: Array<keyof SeriesPoint>): boolean {
  return points.every((p) => keys.every((k) => p[k] === null || p[k] === undefined || p[k] === 0));
}

export type AgentColumn = 'name' | 'assigned' | 'resolved' | 'firstResponseSecondsP50' | 'resolutionSecondsP50' | 'csatAverage' | 'csatResponses' | 'qaAveragePercent';
export const AGENT_COLUMNS: AgentColumn[] = ['name', 'assigned', 'resolved', 'firstResponseSecondsP50', 'resolutionSecondsP50', 'csatAverage', 'csatResponses', 'qaAveragePercent'];

/** Sorts the agent table by one column; agents without a value go last in both directions, ties by name. */
export function sortAgents(rows: AgentRow[], column: AgentColumn, dir: 'asc' | 'desc', locale = 'en'): AgentRow[] {
  const byName = (a: AgentRow, b: AgentRow) => a.name.localeCompare(b.name, locale);
  return [...rows].sort((a, b) => {
    if (column === 'name') return dir === 'asc' ? byName(a, b) : byName(b, a);
    const x = a[column];
    const y = b[column];
    if (x === null && y === null) return byName(a, b);
    if (x === null) return 1;
    if (y === null) return -1;
    const c = dir === 'asc' ? x - y : y - x;
    return c !== 0 ? c : byName(a, b);
  });
}
