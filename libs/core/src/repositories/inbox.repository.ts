import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows } from '../db/sql';
import type { ChannelKind } from '../entities/enums';

export interface InboxRow {
  id: string;
  name: string;
  channel: ChannelKind;
  teamId: string | null;
  settings: Record<string, unknown>;
  active: boolean;
  createdAt: string;
}

/** A row of the inboxes table (`SELECT *`), as Postgres returns it. */
interface InboxTableRow {
  id: string;
  name: string;
  channel: ChannelKind;
  team_id: string | null;
  settings: Record<string, unknown> | null;
  secrets: string | null;
  active: boolean;
  created_at: Date;
}

const toRow = (r: InboxTableRow): InboxRow => ({
  id: r.id,
  name: r.name,
  channel: r.channel,
  teamId: r.team_id,
  settings: r.settings ?? {},
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Read on every request with an inbox token (API-channel ingest). */
const ID_BY_TOKEN = prepared('inbox_id_by_token', `SELECT id FROM inboxes WHERE token_hash = $1 AND active`);

@Injectable()
export class InboxRepository {
  async create(
    em: EntityManager,
    i: { name: string; channel: ChannelKind; teamId: string | null; settings: Record<string, unknown>; secrets: string | null; tokenHash: string | null },
  ): Promise<InboxRow> {
    const [row] = await queryRows<InboxTableRow>(
      em,
      `INSERT INTO inboxes (name, channel, team_id, settings, secrets, token_hash) VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING *`,
      [i.name, i.channel, i.teamId, JSON.stringify(i.settings), i.secrets, i.tokenHash],
    );
    return toRow(row);
  }

  async get(em: EntityManager, id: string): Promise<InboxRow | null> {
    const [row] = await queryRows<InboxTableRow>(em, `SELECT * FROM inboxes WHERE id = $1`, [id]);
    return row ? toRow(row) : null;
  }

  async withSecrets(em: EntityManager, id: string): Promise<(InboxRow & { secrets: string | null }) | null> {
    const [row] = await queryRows<InboxTableRow>(em, `SELECT * FROM inboxes WHERE id = $1`, [id]);
    return row ? { ...toRow(row), secrets: row.secrets } : null;
  }

  async findIdByTokenHash(em: EntityManager, tokenHash: string): Promise<string | null> {
    const [row] = await queryRows<{ id: string }>(em, ID_BY_TOKEN, [tokenHash]);
    return row?.id ?? null;
  }

  async list(em: EntityManager, visibleToUserId?: string): Promise<InboxRow[]> {
    const rows = visibleToUserId
      ? await queryRows<InboxTableRow>(em, `SELECT i.* FROM inboxes i JOIN inbox_members m ON m.inbox_id = i.id AND m.user_id = $1 ORDER BY i.name`, [visibleToUserId])
      : await queryRows<InboxTableRow>(em, `SELECT * FROM inboxes ORDER BY name`);
    return rows.map(toRow);
  }

  async update(em: EntityManager, id: string, f: { name?: string; teamId?: string | null; active?: boolean; settings?: Record<string, unknown>; secrets?: string }): Promise<void> {
    await em.query(
      `UPDATE inboxes SET name = coalesce($2, name), team_id = CASE WHEN $3 THEN $4::uuid ELSE team_id END, active = coalesce($5, active),
         settings = coalesce($6::jsonb, settings), secrets = coalesce($7, secrets), updated_at = now() WHERE id = $1`,
      [id, f.name ?? null, f.teamId !== undefined, f.teamId ?? null, f.active ?? null, f.settings ? JSON.stringify(f.settings) : null, f.secrets ?? null],
    );
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    await em.query(`DELETE FROM inboxes WHERE id = $1`, [id]);
  }

  async addMember(em: EntityManager, inboxId: string, userId: string): Promise<boolean> {
    const rows = await queryRows<{ user_id: string }>(em, `INSERT INTO inbox_members (inbox_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id`, [
      inboxId,
      userId,
    ]);
    return rows.length > 0;
  }

  async removeMember(em: EntityManager, inboxId: string, userId: string): Promise<boolean> {
    const rows = await queryRows<{ user_id: string }>(em, `DELETE FROM inbox_members WHERE inbox_id = $1 AND user_id = $2 RETURNING user_id`, [inboxId, userId]);
    return rows.length > 0;
  }

  async members(em: EntityManager, inboxId: string): Promise<Array<{ id: string; name: string; email: string; role: string }>> {
    return queryRows<{ id: string; name: string; email: string; role: string }>(
      em,
      `SELECT u.id, u.name, u.email, u.role FROM inbox_members m JOIN users u ON u.id = m.user_id WHERE m.inbox_id = $1 ORDER BY u.name`,
      [inboxId],
    );
  }

  async isMember(em: EntityManager, inboxId: string, userId: string): Promise<boolean> {
    const rows = await queryRows<{ one: number }>(em, `SELECT 1 AS one FROM inbox_members WHERE inbox_id = $1 AND user_id = $2`, [inboxId, userId]);
    return rows.length > 0;
  }
}
