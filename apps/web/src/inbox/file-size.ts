const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/**
 * A file size for people: "512 B", "1.5 kB", "12 MB" in the reader's language (Intl names the
 * units: "1,5 Mo" in French, "1,5 МБ" in Ukrainian). Steps of 1024, one decimal below 10.
 */
export function formatFileSize(lng: string, bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return new Intl.NumberFormat(lng, { style: 'unit', unit: UNITS[unit], unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
}
