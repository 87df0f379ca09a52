/** Snooze presets in the agent's own time zone (the browser's): the wake-up times people think in. */
export type SnoozePreset = 'hour' | 'tomorrow' | 'nextWeek';

export function snoozeAt(preset: SnoozePreset, now: Date): Date {
  const d = new Date(now.getTime());
  switch (preset) {
    case 'hour':
      return new Date(now.getTime() + 3600_000);
    case 'tomorrow':
      d.setDate(d.getDate() + 1);
      d.setHours(9, 0, 0, 0);
      return d;
    case 'nextWeek': {
      // Monday 9:00 of the next week (a Monday counts as "next week" only from the one after).
      const days = (8 - d.getDay()) % 7 || 7;
      d.setDate(d.getDate() + days);
      d.setHours(9, 0, 0, 0);
      return d;
    }
  }
}

/** The value of an <input type="datetime-local"> for a date, in local time. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
