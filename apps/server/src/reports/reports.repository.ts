import { Injectable } from '@nestjs/common';
import { Transactions } from '@inbox/core';
import { SlaReportRepository } from './sla-report.repository';

export interface KpiFilter {
  from: Date;
  to: Date;
  teamId: string | null;
  inboxId: string | null;
  targetSeconds: number;
}

const seconds = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

/**
 * KPIs straight from the conversation timestamps the product keeps (created_at,
 * first_response_at = first human reply, resolved_at), over conversations created in
 * the period. CSAT is not collected yet, so it is reported as null rather than guessed.
 */
@Injectable()
export class ReportsRepository {
  constructor(
    private readonly tx: Transactions,
    private readonly slaReport: SlaReportRepository,
  ) {}

  async kpis(f: KpiFilter) {
    const params = [f.from, f.to, f.teamId, f.inboxId, f.targetSeconds];
    const scope = `c.created_at >= $1 AND c.created_at < $2 AND ($3::uuid IS NULL OR c.team_id = $3) AND ($4::uuid IS NULL OR c.inbox_id = $4)`;
    const [totals] = await this.tx.manager.query<
      Array<{
        created: number;
        resolved: number;
        unresolved: number;
        answered: number;
        frt_p50: number | null;
        frt_p90: number | null;
        resolution_p50: number | null;
        resolution_p90: number | null;
        sla_breaches: number;
      }>
    >(
      `SELECT count(*)::int AS created,
              count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
              count(*) FILTER (WHERE c.status <> 'resolved')::int AS unresolved,
              count(*) FILTER (WHERE c.first_response_at IS NOT NULL)::int AS answered,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)) AS frt_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)) AS frt_p90,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.created_at)) AS resolution_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.created_at)) AS resolution_p90,
              -- Under an SLA policy, a first-response breach is the one its timer fired; otherwise the target passed in decides.
              count(*) FILTER (WHERE CASE WHEN c.sla IS NOT NULL
                THEN EXISTS (SELECT 1 FROM sla_events e WHERE e.conversation_id = c.id AND e.kind = 'first_response' AND e.level = 'breached')
                ELSE coalesce(c.first_response_at, now()) - c.created_at > make_interval(secs => $5) END)::int AS sla_breaches
       FROM conversations c WHERE ${scope}`,
      params,
    );
    const byChannel = await this.tx.manager.query<Array<{ channel: string; created: number; resolved: number }>>(
      `SELECT c.channel, count(*)::int AS created, count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved
       FROM conversations c WHERE ${scope} GROUP BY c.channel ORDER BY c.channel`,
      params.slice(0, 4),
    );
    const byAgent = await this.tx.manager.query<Array<{ agentId: string; name: string; assigned: number; resolved: number; frt_p50: number | null }>>(
      `SELECT u.id AS "agentId", u.name, count(*)::int AS assigned, count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)) AS frt_p50
       FROM conversations c JOIN users u ON u.id = c.assignee_id WHERE ${scope} GROUP BY u.id, u.name ORDER BY assigned DESC, u.name`,
      params.slice(0, 4),
    );
    return {
      period: { from: f.from.toISOString(), to: f.to.toISOString() },
      filters: { teamId: f.teamId, inboxId: f.inboxId, firstResponseTargetSeconds: f.targetSeconds },
      conversations: { created: totals.created, resolved: totals.resolved, unresolved: totals.unresolved, answered: totals.answered },
      resolutionRate: totals.created ? totals.resolved / totals.created : null,
      firstResponseSeconds: { p50: seconds(totals.frt_p50), p90: seconds(totals.frt_p90) },
      resolutionSeconds: { p50: seconds(totals.resolution_p50), p90: seconds(totals.resolution_p90) },
      slaBreaches: totals.sla_breaches,
      slaPolicies: await this.slaReport.report({ from: f.from, to: f.to, teamId: f.teamId, inboxId: f.inboxId }),
      csat: null,
      byChannel,
      byAgent: byAgent.map((a) => ({
        agentId: a.agentId,
        name: a.name,
        assigned: a.assigned,
        resolved: a.resolved,
        firstResponseSecondsP50: seconds(a.frt_p50),
      })),
    };
  }
}
