/** Small statistics helpers shared by the figures. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { count: s.length, mean, p50: percentile(s, 50), p90: percentile(s, 90), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

export function stdev(values) {
  if (values.length < 2) return 0;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

/** Counts per fixed-width bucket, for throughput-over-time charts. */
export function perSecond(timestamps, start, bucketMs = 1000) {
  const out = [];
  for (const t of timestamps) {
    const i = Math.floor((t - start) / bucketMs);
    if (i < 0) continue;
    while (out.length <= i) out.push(0);
    out[i]++;
  }
  return out.map((n) => n / (bucketMs / 1000));
}

/** Log-spaced histogram for latency distributions (bounds in ms). */
export function histogram(values, buckets = 24) {
  const v = values.filter((x) => x > 0);
  if (!v.length) return [];
  const lo = Math.log10(Math.max(0.05, Math.min(...v)));
  const hi = Math.log10(Math.max(...v)) + 1e-9;
  const step = (hi - lo) / buckets || 1;
  const counts = new Array(buckets).fill(0);
  for (const x of v) counts[Math.min(buckets - 1, Math.max(0, Math.floor((Math.log10(x) - lo) / step)))]++;
  return counts.map((n, i) => ({ from: 10 ** (lo + i * step), to: 10 ** (lo + (i + 1) * step), n }));
}

/** A bounded sample so report.html stays small. */
export function sample(values, max = 2000) {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)]);
}
