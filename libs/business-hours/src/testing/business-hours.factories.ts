import type { BusinessHours } from '../business-hours.types';

/** Mon-Fri 09:00-17:00 in `timezone`. */
export function officeHours(timezone: string, open = '09:00', close = '17:00'): BusinessHours {
  const day = [{ open, close }];
  return { timezone, days: { 1: day, 2: day, 3: day, 4: day, 5: day } };
}
