import { Injectable } from '@nestjs/common';
import { Transactions } from '@inbox/core';
import { ReportInterval, bucketStart, bucketsBetween, percentile } from './report-math.util';

export interface InsightFilter {
  from: Date;
  to: Date;
  teamId: string | null;
  inboxId: string | null;
  agentId: string | null;
  channel: string | null;
}

/** What a number in the report can be drilled into. */
export const DRILL_METRICS = ['created', 'resolved', 'unresolved', 'answered', 'unanswered', 'csat_low', 'csat_rated', 'sla_breached'] as const;
export type DrillMetric = (typeof DRILL_METRICS)[number];

const seconds = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
const round2 = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);

// Conversations created in the period, narrowed by the filters ($1..$6), like the base KPIs.
const SCOPE = `c.created_at >= $1 AND c.created_at < $2 AND ($3::uuid IS NULL OR c.team_id = $3) AND ($4::uuid IS NULL OR c.inbox_id = $4)
  AND ($5::uuid IS NULL OR c.assignee_id = $5) AND ($6::text IS NULL OR c.channel = $6)`;
const SLA_BREACHED = `EXISTS (SELECT 1 FROM sla_events se WHERE se.conversation_id = c.id AND se.level = 'breached')`;

const METRIC_SQL: Record<DrillMetric, string> = {
  created: 'true',
  resolved: `c.status = 'resolved'`,
  unresolved: `c.status <> 'resolved'`,
  answered: 'c.first_response_at IS NOT NULL',
  unanswered: 'c.first_response_at IS NULL',
  csat_low: 'r.rating <= 2',
  csat_rated: 'r.rating IS NOT NULL',
  sla_breached: SLA_BREACHED,
};

/** `numeric` (avg, extract(epoch ...)) comes back from pg as text; `double precision` (percentile_cont) as a number. */
type Numeric = string | null;
type Double = number | null;

export interface ConversationExportRow {
  id: string;
  createdAt: Date;
  channel: string;
  inboxName: string;
  status: string;
  priority: number;
  subject: string | null;
  contactName: string | null;
  assigneeName: string | null;
  teamName: string | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
  csatRating: number | null;
  csatComment: string | null;
  slaPolicy: string | null;
  slaState: string | null;
  slaBreached: boolean;
}

/**
 * The report figures issue 18 adds beside the base KPIs (ReportsRepository): satisfaction, per
 * team, time series and the conversations behind any number. Series are bucketed in the caller's
 * time zone in TypeScript (report-math.util.ts) so a local day is a local day across DST.
 */
@Injectable()
export class ReportInsightsRepository {
  constructor(private readonly tx: Transactions) {}

  private params(f: InsightFilter): unknown[] {
    return [f.from, f.to, f.teamId, f.inboxId, f.agentId, f.channel];
  }

  async csat(f: InsightFilter) {
    const [row] = await this.tx.manager.query<Array<{ responses: number; average: Numeric; r1: number; r2: number; r3: number; r4: number; r5: number; surveys: number }>>(
      `SELECT count(r.*)::int AS responses, avg(r.rating) AS average,
              count(*) FILTER (WHERE r.rating = 1)::int AS r1, count(*) FILTER (WHERE r.rating = 2)::int AS r2, count(*) FILTER (WHERE r.rating = 3)::int AS r3,
              count(*) FILTER (WHERE r.rating = 4)::int AS r4, count(*) FILTER (WHERE r.rating = 5)::int AS r5,
              (SELECT count(*)::int FROM csat_surveys s JOIN conversations c2 ON c2.id = s.conversation_id WHERE s.status = 'sent' AND c2.id IN (SELECT c.id FROM conversations c WHERE ${SCOPE})) AS surveys
       FROM conversations c JOIN csat_responses r ON r.conversation_id = c.id WHERE ${SCOPE}`,
      this.params(f),
    );
    return {
      responses: row.responses,
      surveysSent: row.surveys,
      responseRate: row.surveys ? Math.round((row.responses / row.surveys) * 10000) / 10000 : null,
      average: round2(row.average),
      /** Share of 4 and 5 ratings, the usual "CSAT %". */
      satisfiedRate: row.responses ? Math.round(((row.r4 + row.r5) / row.responses) * 10000) / 10000 : null,
      distribution: { 1: row.r1, 2: row.r2, 3: row.r3, 4: row.r4, 5: row.r5 },
    };
  }

  async slaMet(f: InsightFilter) {
    const [row] = await this.tx.manager.query<Array<{ with_sla: number; met: number }>>(
      `SELECT count(*) FILTER (WHERE c.sla_state IS NOT NULL)::int AS with_sla, count(*) FILTER (WHERE c.sla_state IS NOT NULL AND NOT ${SLA_BREACHED})::int AS met
       FROM conversations c WHERE ${SCOPE}`,
      this.params(f),
    );
    return { conversationsWithSla: row.with_sla, met: row.met, metRate: row.with_sla ? Math.round((row.met / row.with_sla) * 10000) / 10000 : null };
  }

  async byTeam(f: InsightFilter) {
    const rows = await this.tx.manager.query<
      Array<{
        teamId: string;
        name: string;
        created: number;
        resolved: number;
        frt_p50: Double;
        frt_p90: Double;
        res_p50: Double;
        csat: Numeric;
        csat_responses: number;
        with_sla: number;
        sla_met: number;
        qa: Numeric;
      }>
    >(
      `SELECT t.id AS "teamId", t.name, count(*)::int AS created, count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)) AS frt_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)) AS frt_p90,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.created_at)) AS res_p50,
              avg(r.rating) AS csat, count(r.rating)::int AS csat_responses,
              count(*) FILTER (WHERE c.sla_state IS NOT NULL)::int AS with_sla, count(*) FILTER (WHERE c.sla_state IS NOT NULL AND NOT ${SLA_BREACHED})::int AS sla_met,
              (SELECT avg(q.total_percent) FROM qa_reviews q JOIN conversations cq ON cq.id = q.conversation_id WHERE cq.team_id = t.id AND q.created_at >= $1 AND q.created_at < $2) AS qa
       FROM conversations c JOIN teams t ON t.id = c.team_id LEFT JOIN csat_responses r ON r.conversation_id = c.id
       WHERE ${SCOPE} GROUP BY t.id, t.name ORDER BY created DESC, t.name`,
      this.params(f),
    );
    return rows.map((r) => ({
      teamId: r.teamId,
      name: r.name,
      created: r.created,
      resolved: r.resolved,
      resolutionRate: r.created ? Math.round((r.resolved / r.created) * 10000) / 10000 : null,
      firstResponseSecondsP50: seconds(r.frt_p50),
      firstResponseSecondsP90: seconds(r.frt_p90),
      resolutionSecondsP50: seconds(r.res_p50),
      csatAverage: round2(r.csat),
      csatResponses: r.csat_responses,
      slaMetRate: r.with_sla ? Math.round((r.sla_met / r.with_sla) * 10000) / 10000 : null,
      qaAveragePercent: round2(r.qa),
    }));
  }

  /** Per agent: the base figures plus resolution and satisfaction, for the sortable table. */
  async byAgent(f: InsightFilter) {
    const rows = await this.tx.manager.query<
      Array<{ agentId: string; name: string; assigned: number; resolved: number; frt_p50: Double; res_p50: Double; csat: Numeric; csat_responses: number; qa: Numeric }>
    >(
      `SELECT u.id AS "agentId", u.name, count(*)::int AS assigned, count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)) AS frt_p50,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.created_at)) AS res_p50,
              avg(r.rating) AS csat, count(r.rating)::int AS csat_responses,
              (SELECT avg(q.total_percent) FROM qa_reviews q WHERE q.agent_id = u.id AND q.created_at >= $1 AND q.created_at < $2) AS qa
       FROM conversations c JOIN users u ON u.id = c.assignee_id LEFT JOIN csat_responses r ON r.conversation_id = c.id
       WHERE ${SCOPE} GROUP BY u.id, u.name ORDER BY assigned DESC, u.name`,
      this.params(f),
    );
    return rows.map((r) => ({
      agentId: r.agentId,
      name: r.name,
      assigned: r.assigned,
      resolved: r.resolved,
      firstResponseSecondsP50: seconds(r.frt_p50),
      resolutionSecondsP50: seconds(r.res_p50),
      csatAverage: round2(r.csat),
      csatResponses: r.csat_responses,
      qaAveragePercent: round2(r.qa),
    }));
  }

  /** Volume, response and resolution percentiles and CSAT per local hour, day or week. */
  async series(f: InsightFilter, interval: ReportInterval, timeZone: string) {
    const rows = await this.tx.manager.query<
      Array<{ created_at: Date; frt: Numeric; res: Numeric; rating: number | null; resolved: boolean; with_sla: boolean; sla_breached: boolean }>
    >(
      `SELECT c.created_at, extract(epoch FROM c.first_response_at - c.created_at) AS frt, extract(epoch FROM c.resolved_at - c.created_at) AS res,
              r.rating, c.status = 'resolved' AS resolved, c.sla_state IS NOT NULL AS with_sla, ${SLA_BREACHED} AS sla_breached
       FROM conversations c LEFT JOIN csat_responses r ON r.conversation_id = c.id WHERE ${SCOPE}`,
      this.params(f),
    );
    const starts = bucketsBetween(f.from.getTime(), f.to.getTime(), interval, timeZone);
    const buckets = new Map(starts.map((s) => [s, { created: 0, resolved: 0, frt: [] as number[], res: [] as number[], ratings: [] as number[], withSla: 0, slaMet: 0 }]));
    for (const r of rows) {
      const b = buckets.get(bucketStart(new Date(r.created_at).getTime(), interval, timeZone));
      if (!b) continue;
      b.created++;
      if (r.resolved) b.resolved++;
      if (r.frt !== null) b.frt.push(Number(r.frt));
      if (r.res !== null) b.res.push(Number(r.res));
      if (r.rating !== null) b.ratings.push(Number(r.rating));
      if (r.with_sla) {
        b.withSla++;
        if (!r.sla_breached) b.slaMet++;
      }
    }
    const round = (v: number | null) => (v === null ? null : Math.round(v));
    return starts.map((s) => {
      const b = buckets.get(s)!;
      return {
        start: new Date(s).toISOString(),
        created: b.created,
        resolved: b.resolved,
        firstResponseSecondsP50: round(percentile(b.frt, 0.5)),
        firstResponseSecondsP90: round(percentile(b.frt, 0.9)),
        resolutionSecondsP50: round(percentile(b.res, 0.5)),
        resolutionSecondsP90: round(percentile(b.res, 0.9)),
        csatAverage: b.ratings.length ? Math.round((b.ratings.reduce((a, x) => a + x, 0) / b.ratings.length) * 100) / 100 : null,
        csatResponses: b.ratings.length,
        /** Share of the bucket's conversations under an SLA policy that never breached it (the SLA trend). */
        slaMetRate: b.withSla ? Math.round((b.slaMet / b.withSla) * 10000) / 10000 : null,
      };
    });
  }

  /** One page of the conversations behind a number, oldest first, keyset-paginated on (created_at, id). */
  async conversations(f: InsightFilter, metric: DrillMetric, after: { createdAt: Date; id: string } | null, limit: number): Promise<ConversationExportRow[]> {
    const rows = await this.tx.manager.query<
      Array<{
        id: string;
        created_at: Date;
        channel: string;
        inbox_name: string;
        status: string;
        priority: number;
        subject: string | null;
        contact_name: string | null;
        assignee_name: string | null;
        team_name: string | null;
        first_response_at: Date | null;
        resolved_at: Date | null;
        frt: Numeric;
        res: Numeric;
        rating: number | null;
        comment: string | null;
        sla_policy: string | null;
        sla_state: string | null;
        sla_breached: boolean | null;
      }>
    >(
      `SELECT c.id, c.created_at, c.channel, i.name AS inbox_name, c.status, c.priority, c.subject, ct.name AS contact_name, u.name AS assignee_name, t.name AS team_name,
              c.first_response_at, c.resolved_at, extract(epoch FROM c.first_response_at - c.created_at) AS frt, extract(epoch FROM c.resolved_at - c.created_at) AS res,
              r.rating, r.comment, sp.name AS sla_policy, c.sla_state, ${SLA_BREACHED} AS sla_breached
       FROM conversations c JOIN inboxes i ON i.id = c.inbox_id JOIN contacts ct ON ct.id = c.contact_id
         LEFT JOIN users u ON u.id = c.assignee_id LEFT JOIN teams t ON t.id = c.team_id
         LEFT JOIN csat_responses r ON r.conversation_id = c.id LEFT JOIN sla_policies sp ON sp.id = c.sla_policy_id
       WHERE ${SCOPE} AND ${METRIC_SQL[metric]} AND ($7::timestamptz IS NULL OR (c.created_at, c.id) > ($7, $8::uuid))
       ORDER BY c.created_at, c.id LIMIT $9`,
      [...this.params(f), after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      channel: r.channel,
      inboxName: r.inbox_name,
      status: r.status,
      priority: r.priority,
      subject: r.subject,
      contactName: r.contact_name,
      assigneeName: r.assignee_name,
      teamName: r.team_name,
      firstResponseAt: r.first_response_at,
      resolvedAt: r.resolved_at,
      firstResponseSeconds: seconds(r.frt),
      resolutionSeconds: seconds(r.res),
      csatRating: r.rating === null ? null : Number(r.rating),
      csatComment: r.comment,
      slaPolicy: r.sla_policy,
      slaState: r.sla_state,
      slaBreached: Boolean(r.sla_breached),
    }));
  }
}
