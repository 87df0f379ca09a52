import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows, Transactions } from '@inbox/core';
import type { ChannelKind } from '@inbox/core';
import type { Criterion, CriterionScore } from './qa-score.util';

export interface Scorecard {
  id: string;
  name: string;
  teamIds: string[];
  version: number;
  sampleSize: number;
  archived: boolean;
  criteria: Criterion[];
  createdAt: Date;
  updatedAt: Date;
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
  acknowledgedAt: Date | null;
  agentReply: string | null;
  agentRepliedAt: Date | null;
  createdAt: Date;
}

/** A row of REVIEW_SELECT: qa_reviews plus the scorecard version's name and criteria and the two people's names. */
interface ReviewRow {
  id: string;
  conversation_id: string;
  agent_id: string;
  agent_name: string | null;
  reviewer_id: string;
  reviewer_name: string | null;
  scorecard_id: string;
  scorecard_version: number;
  scorecard_name: string;
  criteria: Criterion[];
  scores: CriterionScore[];
  /** numeric(5, 2): pg answers text. */
  total_percent: string;
  summary: string | null;
  acknowledged_at: Date | null;
  agent_reply: string | null;
  agent_replied_at: Date | null;
  created_at: Date;
}

/** A row of qa_scorecards plus the current version's criteria. */
interface ScorecardRow {
  id: string;
  name: string;
  team_ids: string[] | null;
  version: number;
  sample_size: number;
  archived: boolean;
  criteria: Criterion[];
  created_at: Date;
  updated_at: Date;
}

interface VersionRow {
  version: number;
  name: string;
  criteria: Criterion[];
  created_at: Date;
}

/** A row of the week's queue (camelCase aliases, as the API answers them). */
interface QueueRow {
  conversationId: string;
  source: 'sample' | 'manual';
  agentId: string | null;
  agentName: string | null;
  resolvedAt: Date | null;
  channel: ChannelKind;
  subject: string | null;
  contactName: string | null;
  reviewId: string | null;
  /** numeric(5, 2): pg answers text. */
  totalPercent: string | null;
}

/** Per agent over a period; `points` is a json array of each review's week and percent. */
interface AgentTrendRow {
  agentId: string;
  name: string;
  reviews: number;
  averagePercent: number;
  points: Array<{ week: string; percent: number }>;
}

interface CriterionTrendRow {
  key: string;
  label: string;
  scores: number;
  averagePercent: number;
}

const REVIEW_SELECT = `SELECT q.*, v.name AS scorecard_name, v.criteria, a.name AS agent_name, r.name AS reviewer_name
  FROM qa_reviews q JOIN qa_scorecard_versions v ON v.scorecard_id = q.scorecard_id AND v.version = q.scorecard_version
  LEFT JOIN users a ON a.id = q.agent_id LEFT JOIN users r ON r.id = q.reviewer_id`;

const toReview = (r: ReviewRow): QaReview => ({
  id: r.id,
  conversationId: r.conversation_id,
  agentId: r.agent_id,
  agentName: r.agent_name,
  reviewerId: r.reviewer_id,
  reviewerName: r.reviewer_name,
  scorecardId: r.scorecard_id,
  scorecardVersion: r.scorecard_version,
  scorecardName: r.scorecard_name,
  criteria: r.criteria,
  scores: r.scores,
  totalPercent: Number(r.total_percent),
  summary: r.summary,
  acknowledgedAt: r.acknowledged_at,
  agentReply: r.agent_reply,
  agentRepliedAt: r.agent_replied_at,
  createdAt: r.created_at,
});

const toScorecard = (r: ScorecardRow): Scorecard => ({
  id: r.id,
  name: r.name,
  teamIds: r.team_ids ?? [],
  version: r.version,
  sampleSize: r.sample_size,
  archived: r.archived,
  criteria: r.criteria,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Scorecards with immutable versions, the weekly review queue and the reviews themselves. */
@Injectable()
export class QaRepository {
  constructor(private readonly tx: Transactions) {}

  private get em(): EntityManager {
    return this.tx.manager;
  }

  async createScorecard(em: EntityManager, s: { name: string; teamIds: string[]; sampleSize: number; criteria: Criterion[] }): Promise<string> {
    const [row] = await queryRows<{ id: string }>(em, `INSERT INTO qa_scorecards (name, team_ids, sample_size) VALUES ($1, $2::uuid[], $3) RETURNING id`, [
      s.name,
      s.teamIds,
      s.sampleSize,
    ]);
    await em.query(`INSERT INTO qa_scorecard_versions (scorecard_id, version, name, criteria) VALUES ($1, 1, $2, $3::jsonb)`, [row.id, s.name, JSON.stringify(s.criteria)]);
    return row.id;
  }

  /** Locks the scorecard so two edits at once make two versions in turn, never the same number twice. */
  async lockScorecard(em: EntityManager, id: string): Promise<Scorecard | null> {
    const [row] = await queryRows<ScorecardRow>(
      em,
      `SELECT s.*, v.criteria FROM qa_scorecards s JOIN qa_scorecard_versions v ON v.scorecard_id = s.id AND v.version = s.version WHERE s.id = $1 FOR UPDATE OF s`,
      [id],
    );
    return row ? toScorecard(row) : null;
  }

  async updateScorecard(em: EntityManager, s: Scorecard, newVersion: boolean): Promise<void> {
    await em.query(`UPDATE qa_scorecards SET name = $2, team_ids = $3::uuid[], sample_size = $4, archived = $5, version = $6, updated_at = now() WHERE id = $1`, [
      s.id,
      s.name,
      s.teamIds,
      s.sampleSize,
      s.archived,
      s.version,
    ]);
    if (newVersion)
      await em.query(`INSERT INTO qa_scorecard_versions (scorecard_id, version, name, criteria) VALUES ($1, $2, $3, $4::jsonb)`, [
        s.id,
        s.version,
        s.name,
        JSON.stringify(s.criteria),
      ]);
  }

  async scorecard(id: string): Promise<Scorecard | null> {
    const [row] = await queryRows<ScorecardRow>(
      this.em,
      `SELECT s.*, v.criteria FROM qa_scorecards s JOIN qa_scorecard_versions v ON v.scorecard_id = s.id AND v.version = s.version WHERE s.id = $1`,
      [id],
    );
    return row ? toScorecard(row) : null;
  }

  async scorecards(): Promise<Scorecard[]> {
    const rows = await queryRows<ScorecardRow>(
      this.em,
      `SELECT s.*, v.criteria FROM qa_scorecards s JOIN qa_scorecard_versions v ON v.scorecard_id = s.id AND v.version = s.version ORDER BY s.archived, s.name`,
    );
    return rows.map(toScorecard);
  }

  async versions(id: string): Promise<Array<{ version: number; name: string; criteria: Criterion[]; createdAt: Date }>> {
    const rows = await queryRows<VersionRow>(this.em, `SELECT version, name, criteria, created_at FROM qa_scorecard_versions WHERE scorecard_id = $1 ORDER BY version`, [id]);
    return rows.map((r) => ({ version: r.version, name: r.name, criteria: r.criteria, createdAt: r.created_at }));
  }

  /**
   * The week's queue: per agent, `sampleSize` of the conversations they resolved that week, picked by
   * a hash of week + agent + conversation (the same picks on every call and every replica, different
   * each week), plus the ones added by hand. Team-scoped scorecards sample only their teams.
   */
  async queue(week: string, start: Date, end: Date, sampleSize: number, teamIds: string[], scorecardId: string) {
    const rows = await queryRows<QueueRow>(
      this.em,
      `WITH sampled AS (
         SELECT c.id, c.assignee_id, c.resolved_at,
                row_number() OVER (PARTITION BY c.assignee_id ORDER BY md5($1 || ':' || c.assignee_id::text || ':' || c.id::text)) AS n
         FROM conversations c
         WHERE c.status = 'resolved' AND c.assignee_id IS NOT NULL AND c.resolved_at >= $2 AND c.resolved_at < $3
           AND (cardinality($5::uuid[]) = 0 OR c.team_id = ANY($5::uuid[]))
       ), picked AS (
         SELECT id, 'sample' AS source FROM sampled WHERE n <= $4
         UNION
         SELECT m.conversation_id, 'manual' FROM qa_queue_items m WHERE m.week = $1 AND m.conversation_id NOT IN (SELECT id FROM sampled WHERE n <= $4)
       )
       SELECT c.id AS "conversationId", p.source, c.assignee_id AS "agentId", u.name AS "agentName", c.resolved_at AS "resolvedAt", c.channel, c.subject,
              ct.name AS "contactName", q.id AS "reviewId", q.total_percent AS "totalPercent"
       FROM picked p JOIN conversations c ON c.id = p.id JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN users u ON u.id = c.assignee_id
         LEFT JOIN qa_reviews q ON q.conversation_id = c.id AND q.scorecard_id = $6
       ORDER BY u.name NULLS LAST, c.resolved_at, c.id`,
      [week, start, end, sampleSize, teamIds, scorecardId],
    );
    return rows.map((r) => ({ ...r, totalPercent: r.totalPercent === null ? null : Number(r.totalPercent) }));
  }

  async addToQueue(week: string, conversationId: string, addedBy: string): Promise<void> {
    await this.em.query(`INSERT INTO qa_queue_items (week, conversation_id, added_by) VALUES ($1, $2, $3) ON CONFLICT (week, conversation_id) DO NOTHING`, [
      week,
      conversationId,
      addedBy,
    ]);
  }

  async conversationAgent(conversationId: string): Promise<{ exists: boolean; agentId: string | null }> {
    const [row] = await queryRows<{ assignee_id: string | null }>(this.em, `SELECT assignee_id FROM conversations WHERE id = $1`, [conversationId]);
    return { exists: !!row, agentId: row?.assignee_id ?? null };
  }

  /** Inserts a review; null when this conversation already has one with this scorecard (unique index). */
  async insertReview(r: {
    conversationId: string;
    agentId: string;
    reviewerId: string;
    scorecardId: string;
    version: number;
    scores: CriterionScore[];
    totalPercent: number;
    summary: string | null;
  }): Promise<string | null> {
    const rows = await queryRows<{ id: string }>(
      this.em,
      `INSERT INTO qa_reviews (conversation_id, agent_id, reviewer_id, scorecard_id, scorecard_version, scores, total_percent, summary)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT (conversation_id, scorecard_id) DO NOTHING RETURNING id`,
      [r.conversationId, r.agentId, r.reviewerId, r.scorecardId, r.version, JSON.stringify(r.scores), r.totalPercent, r.summary],
    );
    return rows[0]?.id ?? null;
  }

  async review(id: string): Promise<QaReview | null> {
    const [row] = await queryRows<ReviewRow>(this.em, `${REVIEW_SELECT} WHERE q.id = $1`, [id]);
    return row ? toReview(row) : null;
  }

  async reviews(f: { agentId: string | null; from: Date | null; to: Date | null }): Promise<QaReview[]> {
    const rows = await queryRows<ReviewRow>(
      this.em,
      `${REVIEW_SELECT} WHERE ($1::uuid IS NULL OR q.agent_id = $1) AND ($2::timestamptz IS NULL OR q.created_at >= $2) AND ($3::timestamptz IS NULL OR q.created_at < $3)
       ORDER BY q.created_at DESC LIMIT 500`,
      [f.agentId, f.from, f.to],
    );
    return rows.map(toReview);
  }

  async acknowledge(id: string): Promise<void> {
    await this.em.query(`UPDATE qa_reviews SET acknowledged_at = coalesce(acknowledged_at, now()) WHERE id = $1`, [id]);
  }

  /** Records the agent's one reply; false when there already is one. */
  async reply(id: string, text: string): Promise<boolean> {
    // Wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with rows.
    const rows = await queryRows<{ id: string }>(
      this.em,
      `WITH u AS (UPDATE qa_reviews SET agent_reply = $2, agent_replied_at = now(), acknowledged_at = coalesce(acknowledged_at, now()) WHERE id = $1 AND agent_reply IS NULL RETURNING id) SELECT id FROM u`,
      [id, text],
    );
    return rows.length > 0;
  }

  /** Averages per agent (with the weekly trend) and per criterion (normalised 0–100) over a period. */
  async trends(from: Date, to: Date) {
    const perAgent = await queryRows<AgentTrendRow>(
      this.em,
      `SELECT q.agent_id AS "agentId", u.name, count(*)::int AS reviews, round(avg(q.total_percent), 2)::float AS "averagePercent",
              json_agg(json_build_object('week', to_char(date_trunc('week', q.created_at AT TIME ZONE 'UTC'), 'IYYY-"W"IW'), 'percent', q.total_percent) ORDER BY q.created_at) AS points
       FROM qa_reviews q JOIN users u ON u.id = q.agent_id WHERE q.created_at >= $1 AND q.created_at < $2 GROUP BY q.agent_id, u.name ORDER BY u.name`,
      [from, to],
    );
    const perCriterion = await queryRows<CriterionTrendRow>(
      this.em,
      `SELECT s.key, max(c.label) AS label, count(*)::int AS scores,
              round(avg(CASE c.scale WHEN '0-2' THEN s.score / 2.0 WHEN '1-5' THEN (s.score - 1) / 4.0 ELSE s.score END) * 100, 2)::float AS "averagePercent"
       FROM qa_reviews q JOIN qa_scorecard_versions v ON v.scorecard_id = q.scorecard_id AND v.version = q.scorecard_version
         CROSS JOIN LATERAL jsonb_to_recordset(q.scores) AS s(key text, score numeric)
         JOIN LATERAL jsonb_to_recordset(v.criteria) AS c(key text, label text, scale text) ON c.key = s.key
       WHERE q.created_at >= $1 AND q.created_at < $2 GROUP BY s.key ORDER BY s.key`,
      [from, to],
    );
    // Weekly averages per agent, folded in TypeScript from the ordered points.
    return {
      perAgent: perAgent.map((a) => {
        const weeks = new Map<string, number[]>();
        for (const p of a.points) weeks.set(p.week, [...(weeks.get(p.week) ?? []), Number(p.percent)]);
        return {
          agentId: a.agentId,
          name: a.name,
          reviews: a.reviews,
          averagePercent: a.averagePercent,
          weeks: [...weeks].map(([week, xs]) => ({ week, averagePercent: Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 100) / 100, reviews: xs.length })),
        };
      }),
      perCriterion,
    };
  }
}
