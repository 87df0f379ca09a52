export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface BusinessHoursRange {
  open: string; // 'HH:MM' 24h local time
  close: string; // 'HH:MM'; a close at or before open means "on the next day" (22:00-06:00)
}

/** A team's (or a widget's) weekly opening hours in one IANA time zone. */
export interface BusinessHours {
  timezone: string; // IANA
  days: Partial<Record<Weekday, BusinessHoursRange[]>>; // 0=Sunday
}
