import { describe, expect, it } from 'vitest';
import { snoozeAt, toLocalInput } from './snooze';

describe('snooze presets (local time)', () => {
  const wednesdayEvening = new Date(2030, 0, 2, 18, 30); // Wed 2 Jan 2030, 18:30 local
  it('one hour from now', () => {
    expect(snoozeAt('hour', wednesdayEvening).getTime() - wednesdayEvening.getTime()).toBe(3600_000);
  });
  it('tomorrow at 9:00', () => {
    expect(toLocalInput(snoozeAt('tomorrow', wednesdayEvening))).toBe('2030-01-03T09:00');
    expect(toLocalInput(snoozeAt('tomorrow', new Date(2030, 0, 31, 23, 0)))).toBe('2030-02-01T09:00');
  });
  it('next week is the next Monday at 9:00, a week on when today is Monday', () => {
    expect(toLocalInput(snoozeAt('nextWeek', wednesdayEvening))).toBe('2030-01-07T09:00');
    expect(toLocalInput(snoozeAt('nextWeek', new Date(2030, 0, 6, 10, 0)))).toBe('2030-01-07T09:00'); // Sunday
    expect(toLocalInput(snoozeAt('nextWeek', new Date(2030, 0, 7, 8, 0)))).toBe('2030-01-14T09:00'); // Monday
  });
});
