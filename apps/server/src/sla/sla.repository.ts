import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows, settingsPerVersion } from '@inbox/core';
import type { BusinessHours } from '@inbox/business-hours';
import type { ChannelKind, SlaAppliesTo, SlaClockKind, SlaLevel, SlaPolicyRule, SlaRecord, SlaState } from '@inbox/routing';

export interface SlaPolicyFields {
  name: string;
  firstResponseSeconds: number;
  nextResponseSeconds: number | null;
  resolutionSeconds: number | null;
  businessHours: boolean;
  warnAtPercent: number;
  appliesTo: SlaAppliesTo;
  order: number;
}

export interface SlaConversationRow {
  id: string;
  inboxId: string;
  channel: ChannelKind;
  teamId: string | null;
  assigneeId: string | null;
  priority: number;
  labels: string[];
  status: string;
  createdAt: number;
  sla: SlaRecord | null;
  slaState: SlaState | null;
  slaDueAt: number | null;
  slaNextCheckAt: number | null;
  businessHours: BusinessHours | null;
}

/** An sla_policies row (`SELECT *`). */
interface SlaPolicyRow {
  id: string;
  name: string;
  first_response_seconds: number;
  next_response_seconds: number | null;
  resolution_seconds: number | null;
  business_hours: boolean;
  warn_at_percent: number;
  applies_to: SlaAppliesTo | null;
  position: number;
  created_at: Date;
  updated_at: Date;
}

const toPolicy = (r: SlaPolicyRow): SlaPolicyRule & { createdAt: string; updatedAt: string } => ({
  id: r.id,
  name: r.name,
  firstResponseSeconds: r.first_response_seconds,
  nextResponseSeconds: r.next_response_seconds,
  resolutionSeconds: r.resolution_seconds,
  businessHours: r.business_hours,
  warnAtPercent: r.warn_at_percent,
  appliesTo: r.applies_to ?? {},
  order: r.position,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const ms = (d: Date | string | null) => (d === null ? null : new Date(d).getTime());

/** Every ingest and status change locks its conversation through this (the SLA clocks). */
const LOCK_CONVERSATION = prepared(
  'sla_lock_conversation',
  `SELECT c.id, c.inbox_id, c.channel, c.team_id, c.assignee_id, c.priority, c.labels, c.status, c.created_at, c.sla, c.sla_state, c.sla_due_at, c.sla_next_check_at, t.business_hours
   FROM conversations c LEFT JOIN teams t ON t.id = c.team_id WHERE c.id = $1 FOR UPDATE OF c`,
);

/** All SLA SQL: policies, each conversation's clocks, and the fired warnings/breaches (once each). */
@Injectable()
export class SlaRepository {
  /** Read once per transaction (a batch ingest applies them to many conversations), or from the cache when ingest knows the settings version. */
  async policies(em: EntityManager): Promise<ReturnType<typeof toPolicy>[]> {
    return settingsPerVersion(em, 'sla_policies', async () => (await queryRows<SlaPolicyRow>(em, `SELECT * FROM sla_policies ORDER BY position, id`)).map(toPolicy));
  }

  async policy(em: EntityManager, id: string) {
    const [row] = await queryRows<SlaPolicyRow>(em, `SELECT * FROM sla_policies WHERE id = $1`, [id]);
    return row ? toPolicy(row) : null;
  }

  /** null when the name is taken. */
  async createPolicy(em: EntityManager, f: SlaPolicyFields) {
    const rows = await queryRows<SlaPolicyRow>(
      em,
      `INSERT INTO sla_policies (name, first_response_seconds, next_response_seconds, resolution_seconds, business_hours, warn_at_percent, applies_to, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT ((lower(name))) DO NOTHING RETURNING *`,
      [f.name, f.firstResponseSeconds, f.nextResponseSeconds, f.resolutionSeconds, f.businessHours, f.warnAtPercent, JSON.stringify(f.appliesTo), f.order],
    );
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async updatePolicy(em: EntityManager, id: string, f: SlaPolicyFields) {
    const rows = await queryRows<SlaPolicyRow>(
      em,
      `UPDATE sla_policies SET name = $2, first_response_seconds = $3, next_response_seconds = $4, resolution_seconds = $5, business_hours = $6,
         warn_at_percent = $7, applies_to = $8::jsonb, position = $9, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, f.name, f.firstResponseSeconds, f.nextResponseSeconds, f.resolutionSeconds, f.businessHours, f.warnAtPercent, JSON.stringify(f.appliesTo), f.order],
    );
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async deletePolicy(em: EntityManager, id: string): Promise<boolean> {
    return (await queryRows<{ id: string }>(em, `DELETE FROM sla_policies WHERE id = $1 RETURNING id`, [id])).length > 0;
  }

  /** The conversation as the SLA clocks see it, locked (the caller's transaction changes it). */
  async lockConversation(em: EntityManager, id: string): Promise<SlaConversationRow | null> {
    const [r] = await queryRows<{
      id: string;
      inbox_id: string;
      channel: ChannelKind;
      team_id: string | null;
      assignee_id: string | null;
      priority: number;
      labels: string[] | null;
      status: string;
      created_at: Date;
      sla: SlaRecord | null;
      sla_state: SlaState | null;
      sla_due_at: Date | null;
      sla_next_check_at: Date | null;
      business_hours: BusinessHours | null;
    }>(em, LOCK_CONVERSATION, [id]);
    if (!r) return null;
    return {
      id: r.id,
      inboxId: r.inbox_id,
      channel: r.channel,
      teamId: r.team_id,
      assigneeId: r.assignee_id,
      priority: Number(r.priority),
      labels: r.labels ?? [],
      status: r.status,
      createdAt: ms(r.created_at)!,
      sla: r.sla,
      slaState: r.sla_state,
      slaDueAt: ms(r.sla_due_at),
      slaNextCheckAt: ms(r.sla_next_check_at),
      businessHours: r.business_hours,
    };
  }

  async save(em: EntityManager, id: string, s: { record: SlaRecord | null; state: SlaState | null; dueAt: number | null; nextCheckAt: number | null }): Promise<void> {
    const d = (t: number | null) => (t === null ? null : new Date(t));
    await em.query(`UPDATE conversations SET sla_policy_id = $2, sla = $3::jsonb, sla_state = $4, sla_due_at = $5, sla_next_check_at = $6, updated_at = now() WHERE id = $1`, [
      id,
      s.record?.policyId ?? null,
      s.record ? JSON.stringify(s.record) : null,
      s.state,
      d(s.dueAt),
      d(s.nextCheckAt),
    ]);
  }

  /** Records a warning or breach; false when it was recorded already (another replica, a retried job). */
  async recordFiring(
    em: EntityManager,
    e: {
      conversationId: string;
      policyId: string;
      kind: SlaClockKind;
      level: SlaLevel;
      dueAt: number;
      startedAt: number;
      assigneeId: string | null;
      teamId: string | null;
      channel: ChannelKind;
    },
  ): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO sla_events (conversation_id, policy_id, kind, level, due_at, started_at, assignee_id, team_id, channel)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (conversation_id, kind, level, due_at) DO NOTHING RETURNING id`,
      [e.conversationId, e.policyId, e.kind, e.level, new Date(e.dueAt), new Date(e.startedAt), e.assigneeId, e.teamId, e.channel],
    );
    return rows.length > 0;
  }

  /** Checks whose job is overdue (lost, or the queue was purged): the sweep runs them. */
  async overdueChecks(em: EntityManager, graceSeconds: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      em,
      `SELECT id FROM conversations WHERE sla_next_check_at < now() - make_interval(secs => $1) ORDER BY sla_next_check_at LIMIT 500`,
      [graceSeconds],
    );
    return rows.map((r) => r.id);
  }
}
