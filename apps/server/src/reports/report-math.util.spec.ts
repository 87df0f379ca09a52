import { bucketStart, bucketsBetween, percentile, zonedTimeToUtc } from './report-math.util';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

describe('percentile (as PostgreSQL percentile_cont)', () => {
  it.each([
    [[], 0.5, null],
    [[7], 0.9, 7],
    [[60, 120], 0.5, 90],
    [[60, 120], 0.9, 114],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10, 1, 5], 0.5, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
  ])('%j at p%d is %p', (values, p, expected) => {
    const got = percentile(values as number[], p as number);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected as number, 9);
  });

  it("does not reorder the caller's array", () => {
    const v = [3, 1, 2];
    percentile(v, 0.5);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe('calendar buckets in a time zone', () => {
  it('finds local midnight as a UTC instant on both sides of DST', () => {
    expect(iso(zonedTimeToUtc(2026, 3, 28, 0, 'Europe/Paris'))).toBe('2026-03-27T23:00:00.000Z'); // CET +1
    expect(iso(zonedTimeToUtc(2026, 3, 30, 0, 'Europe/Paris'))).toBe('2026-03-29T22:00:00.000Z'); // CEST +2
    expect(iso(zonedTimeToUtc(2026, 3, 8, 0, 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
  });

  it('resolves a wall time inside the spring-forward gap to the first instant after it', () => {
    // 02:30 does not exist in Paris on 29 March 2026 (02:00 → 03:00 CEST).
    expect(iso(zonedTimeToUtc(2026, 3, 29, 2, 'Europe/Paris'))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('puts a late-evening event in its local day, not the UTC one', () => {
    expect(iso(bucketStart(at('2026-03-29T22:30:00Z'), 'day', 'Europe/Kyiv'))).toBe('2026-03-29T21:00:00.000Z'); // 01:30 on the 30th in Kyiv
    expect(iso(bucketStart(at('2026-03-29T22:30:00Z'), 'day', 'UTC'))).toBe('2026-03-29T00:00:00.000Z');
  });

  it('makes the spring-forward day 23 hours long and the autumn day 25', () => {
    const spring = bucketsBetween(at('2026-03-28T12:00:00Z'), at('2026-03-31T00:00:00Z'), 'day', 'Europe/Paris');
    expect(spring.map(iso)).toEqual(['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z']);
    expect((spring[2]! - spring[1]!) / 3600_000).toBe(23);
    const autumn = bucketsBetween(at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'), 'day', 'Europe/Paris');
    expect((autumn[2]! - autumn[1]!) / 3600_000).toBe(25);
  });

  it('keeps the repeated autumn hour as two buckets and skips none in spring', () => {
    const autumn = bucketsBetween(at('2026-10-25T00:00:00Z'), at('2026-10-25T03:00:00Z'), 'hour', 'Europe/Paris');
    expect(autumn.map(iso)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z']);
    expect(iso(bucketStart(at('2026-03-29T01:59:00Z'), 'hour', 'Europe/Paris'))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('starts hours on the half hour in a +05:30 zone', () => {
    expect(iso(bucketStart(at('2026-01-10T10:10:00Z'), 'hour', 'Asia/Kolkata'))).toBe('2026-01-10T09:30:00.000Z');
  });

  it('starts weeks on local Monday midnight, across the DST change', () => {
    // Wednesday 1 April 2026 in Paris → Monday 30 March 00:00 CEST.
    expect(iso(bucketStart(at('2026-04-01T10:00:00Z'), 'week', 'Europe/Paris'))).toBe('2026-03-29T22:00:00.000Z');
    // Sunday 29 March 2026 (the change day) → Monday 23 March 00:00 CET.
    expect(iso(bucketStart(at('2026-03-29T10:00:00Z'), 'week', 'Europe/Paris'))).toBe('2026-03-22T23:00:00.000Z');
    const weeks = bucketsBetween(at('2026-03-25T00:00:00Z'), at('2026-04-08T00:00:00Z'), 'week', 'Europe/Paris');
    expect(weeks.map(iso)).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-04-05T22:00:00.000Z']);
  });
});
