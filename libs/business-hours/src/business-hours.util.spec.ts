import { isOpen, localWallClock, parseClockTime, validateBusinessHours } from './business-hours.util';
import type { BusinessHours } from './business-hours.types';
import { officeHours } from './testing/business-hours.factories';

/** Wednesday 2025-01-15 10:00 UTC. */
const NOW = Date.UTC(2025, 0, 15, 10, 0, 0);

const at = (iso: string) => Date.parse(iso);

describe('isOpen', () => {
  describe('without a schedule', () => {
    it('is always open', () => {
      expect(isOpen(null, NOW)).toBe(true);
    });
  });

  describe('regular day ranges', () => {
    const sut = officeHours('UTC'); // Mon-Fri 09:00-17:00

    it.each([
      ['2025-01-15T08:59:00Z', false, 'one minute before opening'],
      ['2025-01-15T09:00:00Z', true, 'at the opening minute'],
      ['2025-01-15T12:00:00Z', true, 'mid-day'],
      ['2025-01-15T16:59:59Z', true, 'in the last minute'],
      ['2025-01-15T17:00:00Z', false, 'at the closing minute (close is exclusive)'],
      ['2025-01-18T12:00:00Z', false, 'on a Saturday with no ranges'],
      ['2025-01-19T12:00:00Z', false, 'on a Sunday with no ranges'],
    ])('at %s is %s (%s)', (iso, expected) => {
      expect(isOpen(sut, at(iso))).toBe(expected);
    });

    it('supports several ranges on the same day (lunch break)', () => {
      const hours: BusinessHours = {
        timezone: 'UTC',
        days: {
          3: [
            { open: '09:00', close: '12:00' },
            { open: '13:00', close: '17:00' },
          ],
        },
      };
      expect(isOpen(hours, at('2025-01-15T11:59:00Z'))).toBe(true);
      expect(isOpen(hours, at('2025-01-15T12:30:00Z'))).toBe(false);
      expect(isOpen(hours, at('2025-01-15T13:00:00Z'))).toBe(true);
    });

    it('treats an explicitly empty day as closed', () => {
      expect(isOpen({ timezone: 'UTC', days: { 3: [] } }, NOW)).toBe(false);
    });
  });

  describe('overnight ranges', () => {
    const sut: BusinessHours = { timezone: 'UTC', days: { 1: [{ open: '22:00', close: '06:00' }] } }; // Monday night

    it.each([
      ['2025-01-13T21:59:00Z', false, 'Monday just before the shift'],
      ['2025-01-13T22:00:00Z', true, 'Monday at the start of the shift'],
      ['2025-01-13T23:30:00Z', true, 'Monday before midnight'],
      ['2025-01-14T00:00:00Z', true, 'Tuesday at midnight'],
      ['2025-01-14T03:00:00Z', true, "Tuesday early morning, still Monday's shift"],
      ['2025-01-14T06:00:00Z', false, 'Tuesday at the end of the shift'],
      ['2025-01-13T03:00:00Z', false, 'Monday early morning (Sunday has no shift)'],
      ['2025-01-14T22:30:00Z', false, 'Tuesday night (no Tuesday shift)'],
    ])('at %s is %s (%s)', (iso, expected) => {
      expect(isOpen(sut, at(iso))).toBe(expected);
    });

    it('wraps from Saturday night into Sunday', () => {
      const hours: BusinessHours = { timezone: 'UTC', days: { 6: [{ open: '22:00', close: '02:00' }] } };
      expect(isOpen(hours, at('2025-01-19T01:00:00Z'))).toBe(true);
      expect(isOpen(hours, at('2025-01-19T02:00:00Z'))).toBe(false);
    });

    it('reads 00:00-00:00 as the whole day', () => {
      const hours: BusinessHours = { timezone: 'UTC', days: { 1: [{ open: '00:00', close: '00:00' }] } };
      expect(isOpen(hours, at('2025-01-13T00:00:00Z'))).toBe(true);
      expect(isOpen(hours, at('2025-01-13T23:59:00Z'))).toBe(true);
      expect(isOpen(hours, at('2025-01-14T00:00:00Z'))).toBe(false);
    });

    it('accepts 24:00 as a same-day close at midnight', () => {
      const hours: BusinessHours = { timezone: 'UTC', days: { 1: [{ open: '18:00', close: '24:00' }] } };
      expect(isOpen(hours, at('2025-01-13T23:59:00Z'))).toBe(true);
      expect(isOpen(hours, at('2025-01-14T00:00:00Z'))).toBe(false);
    });
  });

  describe('time zones', () => {
    it("evaluates the ranges in the team's local time", () => {
      // NOW is 11:00 in Paris but 05:00 in New York.
      expect(isOpen(officeHours('Europe/Paris'), NOW)).toBe(true);
      expect(isOpen(officeHours('America/New_York'), NOW)).toBe(false);
    });

    it('uses the local weekday, which can differ from the UTC one', () => {
      // Friday 23:30 UTC is already Saturday 08:30 in Tokyo.
      const saturdayMorning: BusinessHours = { timezone: 'Asia/Tokyo', days: { 6: [{ open: '08:00', close: '12:00' }] } };
      expect(isOpen(saturdayMorning, at('2025-01-17T23:30:00Z'))).toBe(true);
    });

    it('handles half-hour offsets', () => {
      // NOW is 15:30 in Kolkata (UTC+05:30).
      expect(isOpen({ timezone: 'Asia/Kolkata', days: { 3: [{ open: '15:30', close: '16:00' }] } }, NOW)).toBe(true);
      expect(isOpen({ timezone: 'Asia/Kolkata', days: { 3: [{ open: '15:00', close: '15:30' }] } }, NOW)).toBe(false);
    });
  });

  describe('daylight saving time', () => {
    it('follows New York moving to EDT (same UTC time, different local hour)', () => {
      const sut = officeHours('America/New_York');
      expect(isOpen(sut, at('2024-03-08T13:30:00Z'))).toBe(false); // Fri 08:30 EST
      expect(isOpen(sut, at('2024-03-11T13:30:00Z'))).toBe(true); // Mon 09:30 EDT
    });

    it('follows London moving back to GMT', () => {
      const sut = officeHours('Europe/London');
      expect(isOpen(sut, at('2024-10-25T08:30:00Z'))).toBe(true); // Fri 09:30 BST
      expect(isOpen(sut, at('2024-10-28T08:30:00Z'))).toBe(false); // Mon 08:30 GMT
    });

    it('skips the hour that does not exist on the spring-forward night', () => {
      // Paris jumps from 02:00 CET to 03:00 CEST on Sunday 2025-03-30.
      const sut: BusinessHours = { timezone: 'Europe/Paris', days: { 0: [{ open: '00:00', close: '02:30' }] } };
      expect(isOpen(sut, at('2025-03-30T00:59:00Z'))).toBe(true); // 01:59 CET
      expect(isOpen(sut, at('2025-03-30T01:00:00Z'))).toBe(false); // 03:00 CEST
    });
  });

  describe('invalid schedules', () => {
    it('throws a RangeError for an unknown time zone', () => {
      expect(() => isOpen(officeHours('Mars/Olympus_Mons'), NOW)).toThrow(RangeError);
    });

    it('throws a RangeError for a malformed time', () => {
      expect(() => isOpen({ timezone: 'UTC', days: { 3: [{ open: '9am', close: '17:00' }] } }, NOW)).toThrow(/Invalid business-hours time "9am"/);
    });
  });
});

describe('parseClockTime', () => {
  it.each([
    ['00:00', 0],
    ['09:05', 545],
    ['9:05', 545],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('reads %s as minute %i', (value, minutes) => {
    expect(parseClockTime(value)).toBe(minutes);
  });

  it.each(['24:01', '25:00', '12:60', '1200', '', 'noon'])('rejects %p', (value) => {
    expect(() => parseClockTime(value)).toThrow(RangeError);
  });
});

describe('localWallClock', () => {
  it('returns the local weekday and minute of day', () => {
    expect(localWallClock('Europe/Paris', NOW)).toEqual({ weekday: 3, minuteOfDay: 11 * 60 });
  });

  it('reports midnight as minute 0', () => {
    expect(localWallClock('UTC', at('2025-01-15T00:00:00Z'))).toEqual({ weekday: 3, minuteOfDay: 0 });
  });
});

describe('validateBusinessHours', () => {
  it('accepts a well-formed schedule', () => {
    expect(validateBusinessHours(officeHours('Europe/Rome'))).toEqual({ ok: true });
  });

  it.each([
    ['an unknown time zone', { timezone: 'Nowhere/Land', days: {} }],
    ['a malformed time', { timezone: 'UTC', days: { 1: [{ open: '09:00', close: '5pm' }] } }],
    ['a weekday outside 0-6', { timezone: 'UTC', days: { 7: [{ open: '09:00', close: '17:00' }] } }],
  ])('rejects %s with a message', (_label, hours) => {
    const result = validateBusinessHours(hours as BusinessHours);
    expect(result.ok).toBe(false);
    expect(result).toEqual({ ok: false, message: expect.any(String) });
  });
});
