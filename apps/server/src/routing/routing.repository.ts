import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';
import { AgentState, BUILT_IN_DEFAULT_CAPACITY, BusinessHours, CapacityMap, ChannelKind, QueuedConversation, TeamSettings } from '@inbox/routing';

export interface LockedConversation {
  id: string;
  inboxId: string;
  channel: ChannelKind;
  contactId: string;
  status: string;
  assigneeId: string | null;
  teamId: string | null;
  offeredToId: string | null;
  offerExpiresAt: Date | null;
  declinedBy: string[];
  requiredSkills: string[];
  language: string | null;
  priority: number;
  waitingSince: Date | null;
}

export type AssignmentAction = 'assign' | 'offer' | 'accept' | 'decline' | 'expire' | 'unassign' | 'requeue' | 'transfer' | 'overflow' | 'release' | 'escalate';

export interface LogEntry {
  conversationId: string;
  action: AssignmentAction;
  agentId: string | null;
  previousAgentId: string | null;
  teamId: string | null;
  by: 'routing' | 'coordinator' | 'agent' | 'system';
  actorId: string | null;
  reason: string;
  reasonCode: string | null;
  channel: ChannelKind;
  agentLoadAfter?: number | null;
  agentCapacity?: number | null;
  overCapacity?: boolean;
}

const mapLocked = (r: Record<string, any>): LockedConversation => ({
  id: r.id,
  inboxId: r.inbox_id,
  channel: r.channel,
  contactId: r.contact_id,
  status: r.status,
  assigneeId: r.assignee_id,
  teamId: r.team_id,
  offeredToId: r.offered_to_id,
  offerExpiresAt: r.offer_expires_at,
  declinedBy: r.declined_by ?? [],
  requiredSkills: r.required_skills ?? [],
  language: r.language,
  priority: Number(r.priority),
  waitingSince: r.waiting_since,
});

/** Team settings with the built-in capacities under the team's own, so an unset kind is never 0 by accident. */
export function toTeamSettings(r: Record<string, any>): TeamSettings {
  return {
    id: r.id,
    name: r.name,
    strategy: r.strategy,
    offerTimeoutSeconds: r.offer_timeout_seconds,
    stickyWindowSeconds: r.sticky_window_seconds,
    overflowTeamId: r.overflow_team_id,
    overflowAfterSeconds: r.overflow_after_seconds,
    businessHours: (r.business_hours as BusinessHours | null) ?? null,
    defaultCapacity: { ...BUILT_IN_DEFAULT_CAPACITY, ...(r.default_capacity ?? {}) },
    roundRobinLastAgentId: r.round_robin_last_agent_id,
  };
}

/** All routing SQL: state loading for the engine, and the row locks that make decisions race-free. */
@Injectable()
export class RoutingRepository {
  /** The waiting conversations, plus the reason each currently shows (so unchanged reasons are not rewritten). */
  async queue(em: EntityManager, limit: number): Promise<{ queue: QueuedConversation[]; reasons: Map<string, string | null> }> {
    const rows = await em.query(
      `SELECT c.id, c.inbox_id, c.channel, c.assignment_reason, c.team_id, c.required_skills, c.language, c.priority, coalesce(c.waiting_since, c.created_at) AS waiting_since, c.sla_due_at,
              c.declined_by, ct.last_agent_id, ct.last_agent_at
       FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
       WHERE c.status = 'open' AND c.assignee_id IS NULL AND c.offered_to_id IS NULL
       ORDER BY c.priority DESC, c.sla_due_at NULLS LAST, coalesce(c.waiting_since, c.created_at) LIMIT $1`,
      [limit],
    );
    const reasons = new Map<string, string | null>(rows.map((r: Record<string, any>) => [r.id, r.assignment_reason]));
    // Overflow history only matters when some team overflows: one grouped query instead of one per row.
    const [{ any }] = await em.query(`SELECT EXISTS (SELECT 1 FROM teams WHERE overflow_team_id IS NOT NULL) AS any`);
    const overflowed = new Map<string, string[]>();
    if (any && rows.length) {
      const hist = await em.query(
        `SELECT conversation_id, array_agg(DISTINCT team_id) AS teams FROM assignment_log
         WHERE action = 'overflow' AND team_id IS NOT NULL AND conversation_id = ANY($1::uuid[]) GROUP BY conversation_id`,
        [rows.map((r: Record<string, any>) => r.id)],
      );
      for (const h of hist) overflowed.set(h.conversation_id, h.teams);
    }
    const queue = rows.map((r: Record<string, any>) => ({
      id: r.id,
      inboxId: r.inbox_id,
      channel: r.channel,
      teamId: r.team_id,
      requiredSkills: r.required_skills ?? [],
      language: r.language,
      priority: Number(r.priority),
      waitingSince: new Date(r.waiting_since).getTime(),
      slaDueAt: r.sla_due_at ? new Date(r.sla_due_at).getTime() : null,
      lastAgentId: r.last_agent_id,
      lastAgentAt: r.last_agent_at ? new Date(r.last_agent_at).getTime() : null,
      declinedBy: r.declined_by ?? [],
      overflowedFromTeamIds: overflowed.get(r.id) ?? [],
    }));
    return { queue, reasons };
  }

  async agents(em: EntityManager, onlyOnline: boolean): Promise<AgentState[]> {
    const rows = await em.query(
      `SELECT u.id, u.name, u.skills, u.languages, u.capacity, coalesce(s.presence, 'offline') AS presence, s.last_assigned_at,
              coalesce((SELECT array_agg(team_id) FROM team_members m WHERE m.user_id = u.id), '{}') AS team_ids,
              coalesce((SELECT array_agg(inbox_id) FROM inbox_members im WHERE im.user_id = u.id), '{}') AS inbox_ids,
              coalesce((SELECT json_object_agg(channel, n) FROM (
                 SELECT channel, count(*)::int AS n FROM conversations c
                 WHERE (c.assignee_id = u.id AND c.status = 'open') OR c.offered_to_id = u.id GROUP BY channel) l), '{}') AS load
       FROM users u LEFT JOIN agent_status s ON s.user_id = u.id
       WHERE u.active AND u.role = 'agent' ${onlyOnline ? `AND s.presence = 'online'` : ''}`,
    );
    return rows.map((r: Record<string, any>) => ({
      id: r.id,
      name: r.name,
      presence: r.presence,
      teamIds: r.team_ids,
      inboxIds: r.inbox_ids,
      skills: r.skills ?? [],
      languages: r.languages ?? [],
      capacity: r.capacity ?? {},
      load: r.load ?? {},
      lastAssignedAt: r.last_assigned_at ? new Date(r.last_assigned_at).getTime() : null,
    }));
  }

  async teams(em: EntityManager): Promise<TeamSettings[]> {
    return (await em.query(`SELECT * FROM teams`)).map(toTeamSettings);
  }

  async team(em: EntityManager, id: string | null): Promise<TeamSettings | null> {
    if (!id) return null;
    const [row] = await em.query(`SELECT * FROM teams WHERE id = $1`, [id]);
    return row ? toTeamSettings(row) : null;
  }

  async saveRoundRobin(em: EntityManager, pointers: Record<string, string>): Promise<void> {
    for (const [teamId, agentId] of Object.entries(pointers)) {
      await em.query(`UPDATE teams SET round_robin_last_agent_id = $2 WHERE id = $1`, [teamId, agentId]);
    }
  }

  /** Locks a conversation for a change; SKIP LOCKED lets another replica's pass move on instead of waiting. */
  async lockConversation(em: EntityManager, id: string, skipLocked: boolean): Promise<LockedConversation | null> {
    const [row] = await em.query(`SELECT * FROM conversations WHERE id = $1 FOR UPDATE ${skipLocked ? 'SKIP LOCKED' : ''}`, [id]);
    return row ? mapLocked(row) : null;
  }

  /**
   * Locks the agent's status row: every change of an agent's load happens under this
   * lock, so the capacity check and the assignment are atomic across replicas.
   */
  async lockAgent(
    em: EntityManager,
    agentId: string,
  ): Promise<{ presence: string; name: string; capacity: CapacityMap; teamIds: string[]; skills: string[]; languages: string[]; role: string; active: boolean } | null> {
    await em.query(`INSERT INTO agent_status (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [agentId]);
    const [row] = await em.query(
      `SELECT s.presence, u.name, u.capacity, u.skills, u.languages, u.role, u.active,
              coalesce((SELECT array_agg(team_id) FROM team_members m WHERE m.user_id = u.id), '{}') AS team_ids
       FROM agent_status s JOIN users u ON u.id = s.user_id WHERE s.user_id = $1 FOR UPDATE OF s`,
      [agentId],
    );
    return row
      ? {
          presence: row.presence,
          name: row.name,
          capacity: row.capacity ?? {},
          teamIds: row.team_ids,
          skills: row.skills,
          languages: row.languages,
          role: row.role,
          active: row.active,
        }
      : null;
  }

  /** Open conversations plus pending offers of this kind, read under the agent lock. */
  async agentLoad(em: EntityManager, agentId: string, channel: ChannelKind, excludingConversationId: string): Promise<number> {
    const [row] = await em.query(
      `SELECT count(*)::int AS n FROM conversations
       WHERE channel = $2 AND id <> $3 AND ((assignee_id = $1 AND status = 'open') OR offered_to_id = $1)`,
      [agentId, channel, excludingConversationId],
    );
    return row.n;
  }

  async setAssignee(em: EntityManager, id: string, agentId: string | null, reason: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET assignee_id = $2, offered_to_id = NULL, offer_expires_at = NULL, assignment_reason = $3,
         assigned_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
         declined_by = CASE WHEN $2::uuid IS NULL THEN declined_by ELSE '{}' END, updated_at = now()
       WHERE id = $1`,
      [id, agentId, reason],
    );
    if (agentId) {
      await em.query(`UPDATE agent_status SET last_assigned_at = now() WHERE user_id = $1`, [agentId]);
      await em.query(`UPDATE contacts SET last_agent_id = $2, last_agent_at = now() FROM conversations c WHERE c.id = $1 AND contacts.id = c.contact_id`, [id, agentId]);
    }
  }

  async setOffer(em: EntityManager, id: string, agentId: string, expiresAt: Date, reason: string): Promise<void> {
    await em.query(`UPDATE conversations SET offered_to_id = $2, offer_expires_at = $3, assignment_reason = $4, updated_at = now() WHERE id = $1`, [
      id,
      agentId,
      expiresAt,
      reason,
    ]);
    await em.query(`UPDATE agent_status SET last_assigned_at = now() WHERE user_id = $1`, [agentId]);
  }

  async clearOffer(em: EntityManager, id: string, declinedBy: string, reason: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET offered_to_id = NULL, offer_expires_at = NULL, assignment_reason = $3,
         declined_by = CASE WHEN $2 = ANY(declined_by) THEN declined_by ELSE array_append(declined_by, $2::uuid) END, updated_at = now()
       WHERE id = $1`,
      [id, declinedBy, reason],
    );
  }

  /**
   * Back to a team's queue. A conversation a bot was handling becomes `open` here: that is the
   * bot's hand-over to humans, and routing only looks at open conversations.
   */
  async setTeam(em: EntityManager, id: string, teamId: string | null, reason: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET team_id = $2, assignee_id = NULL, offered_to_id = NULL, offer_expires_at = NULL, assigned_at = NULL,
         status = CASE WHEN status = 'bot' THEN 'open' ELSE status END,
         declined_by = '{}', assignment_reason = $3, waiting_since = coalesce(waiting_since, now()), updated_at = now() WHERE id = $1`,
      [id, teamId, reason],
    );
  }

  /** Assigned conversations whose customer has waited longer than the team's reply timeout since the assignment. */
  async unansweredPastTimeout(em: EntityManager): Promise<Array<{ id: string; agentId: string; seconds: number }>> {
    const rows = await em.query(
      `SELECT c.id, c.assignee_id, t.reassign_if_no_reply_seconds AS seconds FROM conversations c JOIN teams t ON t.id = c.team_id
       WHERE c.status = 'open' AND c.assignee_id IS NOT NULL AND c.waiting_since IS NOT NULL AND t.reassign_if_no_reply_seconds IS NOT NULL
         AND greatest(c.waiting_since, c.assigned_at) < now() - make_interval(secs => t.reassign_if_no_reply_seconds)
       ORDER BY c.waiting_since LIMIT 200`,
    );
    return rows.map((r: Record<string, any>) => ({ id: r.id, agentId: r.assignee_id, seconds: r.seconds }));
  }

  async isUnansweredPastTimeout(em: EntityManager, id: string): Promise<boolean> {
    const [row] = await em.query(
      `SELECT 1 FROM conversations c JOIN teams t ON t.id = c.team_id
       WHERE c.id = $1 AND c.status = 'open' AND c.assignee_id IS NOT NULL AND c.waiting_since IS NOT NULL AND t.reassign_if_no_reply_seconds IS NOT NULL
         AND greatest(c.waiting_since, c.assigned_at) < now() - make_interval(secs => t.reassign_if_no_reply_seconds)`,
      [id],
    );
    return Boolean(row);
  }

  /** The agent counts as having declined: routing offers the conversation to someone else first. */
  async addDeclined(em: EntityManager, id: string, agentId: string): Promise<void> {
    await em.query(`UPDATE conversations SET declined_by = CASE WHEN $2 = ANY(declined_by) THEN declined_by ELSE array_append(declined_by, $2::uuid) END WHERE id = $1`, [
      id,
      agentId,
    ]);
  }

  /** Stores why a conversation waits, only when it changed (no write per pass otherwise). */
  async setWaitReason(em: EntityManager, id: string, reason: string): Promise<boolean> {
    const rows = await queryRows(
      em,
      `UPDATE conversations SET assignment_reason = $2, updated_at = now()
       WHERE id = $1 AND assignee_id IS NULL AND offered_to_id IS NULL AND assignment_reason IS DISTINCT FROM $2 RETURNING id`,
      [id, reason],
    );
    return rows.length > 0;
  }

  async log(em: EntityManager, e: LogEntry): Promise<void> {
    await em.query(
      `INSERT INTO assignment_log (conversation_id, action, agent_id, previous_agent_id, team_id, by, actor_id, reason, reason_code, channel, agent_load_after, agent_capacity, over_capacity)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        e.conversationId,
        e.action,
        e.agentId,
        e.previousAgentId,
        e.teamId,
        e.by,
        e.actorId,
        e.reason,
        e.reasonCode,
        e.channel,
        e.agentLoadAfter ?? null,
        e.agentCapacity ?? null,
        e.overCapacity ?? false,
      ],
    );
  }

  /** The agent's open conversations, all or those of one team or one inbox. */
  async openConversationsOf(em: EntityManager, agentId: string, scope: { teamId?: string; inboxId?: string } = {}): Promise<Array<{ id: string; teamId: string | null }>> {
    const rows = await em.query(
      `SELECT id, team_id FROM conversations WHERE assignee_id = $1 AND status = 'open'
         AND ($2::uuid IS NULL OR team_id = $2) AND ($3::uuid IS NULL OR inbox_id = $3)`,
      [agentId, scope.teamId ?? null, scope.inboxId ?? null],
    );
    return rows.map((r: Record<string, any>) => ({ id: r.id, teamId: r.team_id }));
  }

  async offersTo(em: EntityManager, agentId: string, inboxId?: string): Promise<string[]> {
    return (await em.query(`SELECT id FROM conversations WHERE offered_to_id = $1 AND ($2::uuid IS NULL OR inbox_id = $2)`, [agentId, inboxId ?? null])).map(
      (r: { id: string }) => r.id,
    );
  }

  async expiredOffers(em: EntityManager): Promise<Array<{ id: string; agentId: string }>> {
    const rows = await em.query(`SELECT id, offered_to_id FROM conversations WHERE offered_to_id IS NOT NULL AND offer_expires_at < now() - interval '2 seconds' LIMIT 500`);
    return rows.map((r: Record<string, any>) => ({ id: r.id, agentId: r.offered_to_id }));
  }

  async queueStats(em: EntityManager): Promise<{ teams: Array<{ teamId: string | null; name: string; waiting: number; oldestWaitSeconds: number }> }> {
    const rows = await em.query(
      `SELECT c.team_id, coalesce(t.name, 'No team') AS name, count(*)::int AS waiting,
              coalesce(extract(epoch FROM now() - min(coalesce(c.waiting_since, c.created_at))), 0)::int AS oldest
       FROM conversations c LEFT JOIN teams t ON t.id = c.team_id
       WHERE c.status = 'open' AND c.assignee_id IS NULL GROUP BY c.team_id, t.name ORDER BY name`,
    );
    return { teams: rows.map((r: Record<string, any>) => ({ teamId: r.team_id, name: r.name, waiting: r.waiting, oldestWaitSeconds: r.oldest })) };
  }
}
