import { useTranslation } from 'react-i18next';

/** Dates, durations and numbers in the reader's language (Intl does the localisation). */
export function useFormat() {
  const { i18n, t } = useTranslation();
  const lng = i18n.resolvedLanguage ?? i18n.language ?? 'en';
  return {
    number: (n: number) => new Intl.NumberFormat(lng).format(n),
    dateTime: (iso: string) => new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)),
    time: (iso: string) => new Intl.DateTimeFormat(lng, { timeStyle: 'short' }).format(new Date(iso)),
    relative: (iso: string, now = Date.now()) => relativeTime(lng, new Date(iso).getTime() - now, t('time.justNow')),
    duration: (seconds: number) => duration(lng, seconds),
  };
}

export function relativeTime(lng: string, diffMs: number, justNow: string): string {
  const s = Math.round(diffMs / 1000);
  if (Math.abs(s) < 45) return justNow;
  const rtf = new Intl.RelativeTimeFormat(lng, { numeric: 'auto' });
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) if (Math.abs(s) >= size) return rtf.format(Math.round(s / size), unit);
  return rtf.format(s, 'second');
}

/** A compact wait time such as "3 min" or "1 h", with Intl unit names of the language. */
export function duration(lng: string, seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const fmt = (value: number, unit: 'second' | 'minute' | 'hour' | 'day') => new Intl.NumberFormat(lng, { style: 'unit', unit, unitDisplay: 'short' }).format(value);
  if (s < 60) return fmt(s, 'second');
  if (s < 3600) return fmt(Math.floor(s / 60), 'minute');
  if (s < 86400) return fmt(Math.floor(s / 3600), 'hour');
  return fmt(Math.floor(s / 86400), 'day');
}
