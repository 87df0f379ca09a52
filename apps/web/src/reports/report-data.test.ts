import { describe, expect, it } from 'vitest';
import { autoInterval, defaultRange, filtersToParams, parseFilters, periodOf, reportQuery, seriesColumns, sortAgents, type AgentRow, type SeriesPoint } from './report-data';

const NOW = new Date(2025, 2, 30, 15, 0); // 30 March 2025, local time
const TEAM = '11111111-2222-3333-4444-555555555555';

describe('report filters in the URL', () => {
  it('defaults to the last seven days, today included', () => {
    expect(defaultRange(NOW)).toEqual({ from: '2025-03-24', to: '2025-03-30' });
    const sut = parseFilters(new URLSearchParams(''), NOW);
    expect(sut).toMatchObject({ from: '2025-03-24', to: '2025-03-30', teamId: null, channel: null, interval: null, drill: null });
  });

  it('reads back what it writes, so a shared link opens the same report', () => {
    const f = parseFilters(new URLSearchParams(`from=2025-01-01&to=2025-01-31&teamId=${TEAM}&channel=email&interval=week&drill=csat_low&drillAgentId=${TEAM}`), NOW);
    expect(parseFilters(filtersToParams(f), NOW)).toEqual(f);
    expect(filtersToParams(f).toString()).not.toContain('inboxId');
  });

  it('drops malformed values and swaps a reversed range', () => {
    const sut = parseFilters(new URLSearchParams('from=2025-02-10&to=2025-02-01&teamId=nope&channel=fax&interval=minute&drill=everything'), NOW);
    expect(sut).toMatchObject({ from: '2025-02-01', to: '2025-02-10', teamId: null, channel: null, interval: null, drill: null });
    expect(parseFilters(new URLSearchParams('from=yesterday'), NOW).from).toBe('2025-03-24');
  });
});

describe('the period and query sent to the API', () => {
  it('runs from the start of the first local day to the start of the day after the last', () => {
    const p = periodOf({ from: '2025-03-29', to: '2025-03-30' });
    expect(new Date(p.from).getTime()).toBe(new Date(2025, 2, 29).getTime());
    expect(new Date(p.to).getTime()).toBe(new Date(2025, 2, 31).getTime());
  });

  it('chooses hours for a day or two, days up to three months, weeks beyond', () => {
    expect(autoInterval('2025-03-30', '2025-03-30')).toBe('hour');
    expect(autoInterval('2025-03-01', '2025-03-30')).toBe('day');
    expect(autoInterval('2025-01-01', '2025-12-31')).toBe('week');
  });

  it('carries the filters, the interval and the time zone', () => {
    const f = parseFilters(new URLSearchParams(`from=2025-03-01&to=2025-03-30&teamId=${TEAM}&channel=slack`), NOW);
    const q = new URLSearchParams(reportQuery(f, 'Europe/Kyiv'));
    expect(q.get('teamId')).toBe(TEAM);
    expect(q.get('channel')).toBe('slack');
    expect(q.get('interval')).toBe('day');
    expect(q.get('tz')).toBe('Europe/Kyiv');
    expect(q.has('inboxId')).toBe(false);
    expect(new URLSearchParams(reportQuery(f, 'UTC', { metric: 'resolved', agentId: TEAM })).get('agentId')).toBe(TEAM);
  });
});

describe('chart columns', () => {
  const point = (start: string, over: Partial<SeriesPoint>): SeriesPoint => ({
    start,
    created: 0,
    resolved: 0,
    firstResponseSecondsP50: null,
    firstResponseSecondsP90: null,
    resolutionSecondsP50: null,
    resolutionSecondsP90: null,
    csatAverage: null,
    csatResponses: 0,
    ...over,
  });

  it('puts x in seconds and keeps empty buckets as gaps, not zeros', () => {
    const points = [point('2025-03-29T23:00:00.000Z', { firstResponseSecondsP50: 120, firstResponseSecondsP90: 600 }), point('2025-03-30T22:00:00.000Z', {})];
    const [xs, p50, p90] = seriesColumns(points, ['firstResponseSecondsP50', 'firstResponseSecondsP90'], (s) => s / 60);
    expect(xs).toEqual([1743289200, 1743372000]);
    expect(p50).toEqual([2, null]);
    expect(p90).toEqual([10, null]);
  });
});

describe('agent table order', () => {
  const row = (name: string, over: Partial<AgentRow>): AgentRow => ({
    agentId: name,
    name,
    assigned: 0,
    resolved: 0,
    firstResponseSecondsP50: null,
    resolutionSecondsP50: null,
    csatAverage: null,
    csatResponses: 0,
    qaAveragePercent: null,
    ...over,
  });
  const rows = [row('Cleo', { assigned: 5, csatAverage: 4.5 }), row('Ana', { assigned: 9, csatAverage: null }), row('Ben', { assigned: 5, csatAverage: 3 })];

  it('sorts by a number either way, ties by name', () => {
    expect(sortAgents(rows, 'assigned', 'desc').map((r) => r.name)).toEqual(['Ana', 'Ben', 'Cleo']);
    expect(sortAgents(rows, 'assigned', 'asc').map((r) => r.name)).toEqual(['Ben', 'Cleo', 'Ana']);
  });

  it('puts agents without a value last in both directions', () => {
    expect(sortAgents(rows, 'csatAverage', 'desc').map((r) => r.name)).toEqual(['Cleo', 'Ben', 'Ana']);
    expect(sortAgents(rows, 'csatAverage', 'asc').map((r) => r.name)).toEqual(['Ben', 'Cleo', 'Ana']);
  });

  it('sorts names in the reader’s language', () => {
    expect(sortAgents([row('Émile', {}), row('Zoé', {}), row('Adam', {})], 'name', 'asc', 'fr').map((r) => r.name)).toEqual(['Adam', 'Émile', 'Zoé']);
  });
});
