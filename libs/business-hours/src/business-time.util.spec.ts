import type { BusinessHours } from './business-hours.types';
import { addBusinessSeconds, businessMsBetween } from './business-time.util';
import { officeHours } from './testing/business-hours.factories';

const at = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const H = 3600;

describe('addBusinessSeconds', () => {
  it.each<[string, string, number, BusinessHours | null, string]>([
    ['wall time without a schedule', '2025-01-15T10:00:00Z', 90, null, '2025-01-15T10:01:30.000Z'],
    ['inside office hours', '2025-01-15T10:00:00Z', 2 * H, officeHours('UTC'), '2025-01-15T12:00:00.000Z'],
    ['past closing, into the next morning', '2025-01-15T16:00:00Z', 2 * H, officeHours('UTC'), '2025-01-16T10:00:00.000Z'],
    ['started before opening', '2025-01-15T06:30:00Z', 30 * 60, officeHours('UTC'), '2025-01-15T09:30:00.000Z'],
    ['Friday afternoon over the weekend', '2025-01-17T16:00:00Z', 2 * H, officeHours('UTC'), '2025-01-20T10:00:00.000Z'],
    ['started on a Saturday', '2025-01-18T12:00:00Z', 60, officeHours('UTC'), '2025-01-20T09:01:00.000Z'],
    ['seconds in a partial first minute', '2025-01-15T16:59:30Z', 45, officeHours('UTC'), '2025-01-16T09:00:15.000Z'],
    ['Paris, over the spring DST weekend', '2025-03-28T15:00:00Z', 2 * H, officeHours('Europe/Paris'), '2025-03-31T08:00:00.000Z'],
    ['Paris, over the autumn DST weekend', '2025-10-24T14:00:00Z', 2 * H, officeHours('Europe/Paris'), '2025-10-27T09:00:00.000Z'],
    ['New York, over its DST weekend', '2025-03-07T21:30:00Z', 1 * H, officeHours('America/New_York'), '2025-03-10T13:30:00.000Z'],
    ['Tokyo (no DST), late evening UTC is morning there', '2025-01-15T23:30:00Z', 1 * H, officeHours('Asia/Tokyo'), '2025-01-16T01:00:00.000Z'],
    ['an overnight range', '2025-01-13T21:00:00Z', 2 * H, { timezone: 'UTC', days: { 1: [{ open: '22:00', close: '06:00' }] } }, '2025-01-14T00:00:00.000Z'],
    [
      'a 24-hour Sunday on the day clocks go forward (23 real hours)',
      '2025-03-29T23:00:00Z',
      4 * H,
      { timezone: 'Europe/Paris', days: { 0: [{ open: '00:00', close: '00:00' }] } },
      '2025-03-30T03:00:00.000Z',
    ],
  ])('%s', (_what, start, seconds, hours, due) => {
    expect(iso(addBusinessSeconds(at(start), seconds, hours))).toBe(due);
  });

  it('has no due time when the schedule never opens', () => {
    expect(addBusinessSeconds(at('2025-01-15T10:00:00Z'), 60, { timezone: 'UTC', days: {} })).toBeNull();
  });
});

describe('businessMsBetween', () => {
  it.each<[string, string, string, BusinessHours | null, number]>([
    ['wall time without a schedule', '2025-01-15T10:00:00Z', '2025-01-15T11:30:00Z', null, 1.5 * H],
    ['only the open part of a weekend', '2025-01-17T16:00:00Z', '2025-01-20T10:00:00Z', officeHours('UTC'), 2 * H],
    ['Paris over the DST weekend', '2025-03-28T15:00:00Z', '2025-03-31T08:00:00Z', officeHours('Europe/Paris'), 2 * H],
    ['nothing when the end is first', '2025-01-15T11:00:00Z', '2025-01-15T10:00:00Z', null, 0],
  ])('%s', (_what, from, to, hours, seconds) => {
    expect(businessMsBetween(at(from), at(to), hours)).toBe(seconds * 1000);
  });
});
