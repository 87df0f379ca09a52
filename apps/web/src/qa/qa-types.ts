/**
 * The QA and CSAT shapes the server answers (apps/server/src/qa/qa.repository.ts, libs/core/src/csat)
 * and the pure scoring rules the scorecard screen previews with. The server computes the stored total
 * with the same rule (apps/server/src/qa/qa-score.util.ts); the screen shows the server's figure once
 * the review is saved.
 */
import { CRITERION_RANGE, type Criterion, type CriterionScale, type CriterionScore } from '@inbox/realtime-contract';
export { CRITERION_SCALES, type Criterion, type CriterionScale, type CriterionScore } from '@inbox/realtime-contract';

export interface Scorecard {
  id: string;
  name: string;
  teamIds: string[];
  version: number;
  sampleSize: number;
  archived: boolean;
  criteria: Criterion[];
}

export interface QueueItem {
  conversationId: string;
  source: 'sample' | 'manual';
  agentId: string | null;
  agentName: string | null;
  resolvedAt: string | null;
  channel: string;
  subject: string | null;
  contactName: string | null;
  reviewId: string | null;
  totalPercent: number | null;
}

export interface QueueAnswer {
  week: string;
  from: string;
  to: string;
  scorecardId: string;
  sampleSize: number;
  items: QueueItem[];
}

export interface QaReview {
  id: string;
  conversationId: string;
  agentId: string;
  agentName: string | null;
  reviewerId: string;
  reviewerName: string | null;
  scorecardId: string;
  scorecardVersion: number;
  scorecardName: string;
  criteria: Criterion[];
  scores: CriterionScore[];
  totalPercent: number;
  summary: string | null;
  acknowledgedAt: string | null;
  agentReply: string | null;
  agentRepliedAt: string | null;
  createdAt: string;
}

export interface QaTrends {
  perAgent: Array<{ agentId: string; name: string; reviews: number; averagePercent: number; weeks: Array<{ week: string; averagePercent: number; reviews: number }> }>;
  perCriterion: Array<{ key: string; label: string; scores: number; averagePercent: number }>;
}

export type CsatScale = 'stars' | 'thumbs';

export interface ConversationCsat {
  survey: { status: 'scheduled' | 'sent' | 'skipped'; channel: string; locale: string; scale: CsatScale; sentAt: string | null; expiresAt: string | null } | null;
  rating: { rating: number; scale: CsatScale; comment: string | null; ratedAt: string; firstRatedAt: string } | null;
}

export const CSAT_LANGUAGES = ['en', 'fr', 'it', 'es', 'uk'] as const;

export interface CsatSettings {
  inboxId: string;
  enabled: boolean;
  scale: CsatScale;
  questions: Partial<Record<string, string>>;
  delaySeconds: number;
  frequencyDays: number;
  defaults: Record<string, string>;
}

/** The marks a criterion offers, worst first: 0 1 2, 1 2 3 4 5, no (0) yes (1). */
export function scaleMarks(scale: CriterionScale): number[] {
  const [lo, hi] = CRITERION_RANGE[scale];
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/**
 * The weighted score in %, two decimals: Σ weight × (score − lowest) ÷ (highest − lowest) ÷ Σ weight.
 * Null while a criterion is still unscored: a partial total would read as a verdict.
 */
export function weightedTotal(criteria: Criterion[], scores: Record<string, number | undefined>): number | null {
  let sum = 0;
  let weights = 0;
  for (const c of criteria) {
    const s = scores[c.key];
    if (s === undefined) return null;
    const [lo, hi] = CRITERION_RANGE[c.scale];
    weights += c.weight;
    sum += (c.weight * (s - lo)) / (hi - lo);
  }
  return weights ? Math.round((sum / weights) * 10000) / 100 : null;
}

/** The ISO week (UTC) an instant falls in, as `YYYY-Www` (the Thursday decides the year). */
export function isoWeekOf(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3);
  const year = d.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Thursday = jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86400_000 + 3 * 86400_000;
  const week = 1 + Math.round((d.getTime() - week1Thursday) / (7 * 86400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The week `delta` weeks before or after `week` (`2025-W01` − 1 = `2024-W52`). */
export function shiftWeek(week: string, delta: number): string {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return week;
  const jan4 = Date.UTC(Number(m[1]), 0, 4);
  const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86400_000 + (Number(m[2]) - 1) * 7 * 86400_000;
  return isoWeekOf(new Date(monday + delta * 7 * 86400_000 + 3 * 86400_000));
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** A conversation id from what a coordinator pastes: the id itself or a link to it. */
export function conversationIdFrom(input: string): string | null {
  return UUID.exec(input.trim())?.[0]?.toLowerCase() ?? null;
}

/**
 * Criterion keys (`^[a-z0-9_]{1,40}$`, unique) from labels: "First reply" → first_reply; a label with
 * no Latin letters → c2. A criterion that already has a key keeps it (an edited scorecard's scores stay comparable).
 */
export function criterionKeys(labels: string[], existing: Array<string | undefined> = []): string[] {
  const used = new Set<string>(existing.filter((k): k is string => Boolean(k)));
  return labels.map((label, i) => {
    if (existing[i]) return existing[i]!;
    const base =
      label
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 36) || `c${i + 1}`;
    let key = base;
    for (let n = 2; used.has(key); n++) key = `${base}_${n}`;
    used.add(key);
    return key;
  });
}
