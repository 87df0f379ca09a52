import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../db/sql';
import type { RoutingStrategyName } from '../entities/enums';
import type { BusinessHoursView, TeamView } from '@inbox/realtime-contract';

export type { TeamView };

export type TeamFields = Partial<Omit<TeamView, 'id' | 'memberIds' | 'roundRobinLastAgentId'>>;

const COLUMNS: Record<keyof TeamFields, string> = {
  name: 'name',
  description: 'description',
  strategy: 'strategy',
  offerTimeoutSeconds: 'offer_timeout_seconds',
  stickyWindowSeconds: 'sticky_window_seconds',
  overflowTeamId: 'overflow_team_id',
  overflowAfterSeconds: 'overflow_after_seconds',
  businessHours: 'business_hours',
  defaultCapacity: 'default_capacity',
  awayMessage: 'away_message',
  isDepartment: 'is_department',
  reassignIfNoReplySeconds: 'reassign_if_no_reply_seconds',
};
const JSON_FIELDS = new Set(['businessHours', 'defaultCapacity']);

/** A row of SELECT (teams plus member_ids). */
interface TeamRow {
  id: string;
  name: string;
  description: string | null;
  strategy: RoutingStrategyName;
  offer_timeout_seconds: number | null;
  sticky_window_seconds: number;
  overflow_team_id: string | null;
  overflow_after_seconds: number | null;
  business_hours: BusinessHoursView | null;
  default_capacity: Record<string, number> | null;
  away_message: string | null;
  is_department: boolean | null;
  reassign_if_no_reply_seconds: number | null;
  round_robin_last_agent_id: string | null;
  member_ids: string[] | null;
}

const toView = (r: TeamRow): TeamView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  strategy: r.strategy,
  offerTimeoutSeconds: r.offer_timeout_seconds,
  stickyWindowSeconds: r.sticky_window_seconds,
  overflowTeamId: r.overflow_team_id,
  overflowAfterSeconds: r.overflow_after_seconds,
  businessHours: r.business_hours,
  defaultCapacity: r.default_capacity ?? {},
  awayMessage: r.away_message,
  isDepartment: r.is_department ?? false,
  reassignIfNoReplySeconds: r.reassign_if_no_reply_seconds ?? null,
  roundRobinLastAgentId: r.round_robin_last_agent_id,
  memberIds: r.member_ids ?? [],
});

const SELECT = `SELECT t.*, coalesce((SELECT array_agg(user_id ORDER BY user_id) FROM team_members m WHERE m.team_id = t.id), '{}') AS member_ids FROM teams t`;

@Injectable()
export class TeamRepository {
  async create(em: EntityManager, f: TeamFields & { name: string }): Promise<TeamView | null> {
    const keys = Object.keys(f).filter((k) => (f as Record<string, unknown>)[k] !== undefined) as Array<keyof TeamFields>;
    const params = keys.map((k) => (JSON_FIELDS.has(k) ? JSON.stringify(f[k]) : f[k]));
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO teams (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map((k, i) => `$${i + 1}${JSON_FIELDS.has(k) ? '::jsonb' : ''}`).join(', ')})
       ON CONFLICT ((lower(name))) DO NOTHING RETURNING id`,
      params,
    );
    return rows[0] ? this.get(em, rows[0].id) : null;
  }

  async get(em: EntityManager, id: string): Promise<TeamView | null> {
    const [row] = await queryRows<TeamRow>(em, `${SELECT} WHERE t.id = $1`, [id]);
    return row ? toView(row) : null;
  }

  async list(em: EntityManager): Promise<TeamView[]> {
    const rows = await queryRows<TeamRow>(em, `${SELECT} ORDER BY t.name`);
    return rows.map(toView);
  }

  async update(em: EntityManager, id: string, f: TeamFields): Promise<void> {
    const keys = Object.keys(f).filter((k) => (f as Record<string, unknown>)[k] !== undefined) as Array<keyof TeamFields>;
    if (keys.length === 0) return;
    const params: unknown[] = [id, ...keys.map((k) => (JSON_FIELDS.has(k) ? JSON.stringify(f[k]) : f[k]))];
    await em.query(`UPDATE teams SET ${keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}${JSON_FIELDS.has(k) ? '::jsonb' : ''}`).join(', ')} WHERE id = $1`, params);
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(em, `DELETE FROM teams WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  async addMember(em: EntityManager, teamId: string, userId: string): Promise<boolean> {
    const rows = await queryRows<{ user_id: string }>(em, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id`, [teamId, userId]);
    return rows.length > 0;
  }

  async removeMember(em: EntityManager, teamId: string, userId: string): Promise<boolean> {
    const rows = await queryRows<{ user_id: string }>(em, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 RETURNING user_id`, [teamId, userId]);
    return rows.length > 0;
  }
}
