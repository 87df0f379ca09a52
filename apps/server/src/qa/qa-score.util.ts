/**
 * Pure rules of quality review: criterion scales, the weighted total and ISO weeks. No I/O, no clock.
 */
import { CRITERION_RANGE, type Criterion, type CriterionScale, type CriterionScore } from '@inbox/realtime-contract';
export { CRITERION_SCALES, type Criterion, type CriterionScale, type CriterionScore } from '@inbox/realtime-contract';

export function isValidScore(scale: CriterionScale, score: number): boolean {
  const [lo, hi] = CRITERION_RANGE[scale];
  return Number.isInteger(score) && score >= lo && score <= hi;
}

/** A score on its scale as a share of the best mark: 1 of 0–2 is 0.5, 3 of 1–5 is 0.5, "yes" is 1. */
export function normalise(scale: CriterionScale, score: number): number {
  const [lo, hi] = CRITERION_RANGE[scale];
  return (score - lo) / (hi - lo);
}

/** What is wrong with a set of scores against the criteria (every criterion once, in range); empty when fine. */
export function scoreErrors(criteria: Criterion[], scores: CriterionScore[]): string[] {
  const errors: string[] = [];
  const byKey = new Map(criteria.map((c) => [c.key, c]));
  const seen = new Set<string>();
  for (const s of scores) {
    const c = byKey.get(s.key);
    if (!c) errors.push(`${s.key}: not a criterion of this scorecard`);
    else if (seen.has(s.key)) errors.push(`${s.key}: scored twice`);
    else if (!isValidScore(c.scale, s.score)) errors.push(`${s.key}: ${s.score} is outside ${c.scale}`);
    seen.add(s.key);
  }
  for (const c of criteria) if (!seen.has(c.key)) errors.push(`${c.key}: not scored`);
  return errors;
}

/** The weighted score in %, two decimals: Σ weight × normalised score ÷ Σ weight. */
export function totalPercent(criteria: Criterion[], scores: CriterionScore[]): number {
  const byKey = new Map(scores.map((s) => [s.key, s.score]));
  let sum = 0;
  let weights = 0;
  for (const c of criteria) {
    weights += c.weight;
    sum += c.weight * normalise(c.scale, byKey.get(c.key) ?? CRITERION_RANGE[c.scale][0]);
  }
  return weights ? Math.round((sum / weights) * 10000) / 100 : 0;
}

/** What is wrong with a scorecard's criteria (unique keys, positive weights); empty when fine. */
export function criteriaErrors(criteria: Criterion[]): string[] {
  const errors: string[] = [];
  const keys = new Set<string>();
  for (const c of criteria) {
    if (keys.has(c.key)) errors.push(`${c.key}: duplicate key`);
    keys.add(c.key);
    if (!(c.weight > 0)) errors.push(`${c.key}: weight must be positive`);
  }
  return errors;
}

const WEEK = /^(\d{4})-W(\d{2})$/;

/** The ISO week (Monday 00:00 UTC to the next Monday) named like `2025-W14`; null when malformed. */
export function parseIsoWeek(week: string): { start: Date; end: Date } | null {
  const m = WEEK.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > 53) return null;
  // The week holding 4 January is week 1.
  const jan4 = Date.UTC(year, 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86400_000;
  const start = mondayOfWeek1 + (n - 1) * 7 * 86400_000;
  if (n === 53 && isoWeekOf(new Date(start)) !== week) return null;
  return { start: new Date(start), end: new Date(start + 7 * 86400_000) };
}

/** The ISO week (UTC) an instant falls in, as `YYYY-Www`. */
export function isoWeekOf(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = 1 + Math.round((d.getTime() - Date.UTC(year, 0, 4)) / (7 * 86400_000) - 3 / 7 + ((new Date(Date.UTC(year, 0, 4)).getUTCDay() + 6) % 7) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}
