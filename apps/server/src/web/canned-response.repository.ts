import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { affectedRows, queryRows } from '@inbox/core';
import type { CannedResponseView } from '@inbox/realtime-contract';

export type { CannedResponseView };

const COLUMNS = `id, shortcut, title, text, team_id AS "teamId", created_at AS "createdAt"`;

@Injectable()
export class CannedResponseRepository {
  /** `memberOf` undefined: every response (staff); else the shared ones and those of the user's teams. */
  list(em: EntityManager, memberOf?: string): Promise<CannedResponseView[]> {
    if (memberOf === undefined) return queryRows<CannedResponseView>(em, `SELECT ${COLUMNS} FROM canned_responses ORDER BY lower(shortcut)`);
    return queryRows<CannedResponseView>(
      em,
      `SELECT ${COLUMNS} FROM canned_responses
       WHERE team_id IS NULL OR team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
       ORDER BY lower(shortcut)`,
      [memberOf],
    );
  }

  /** null when the shortcut is taken (unique index on lower(shortcut)). */
  async create(em: EntityManager, r: { shortcut: string; title: string; text: string; teamId: string | null; createdBy: string | null }): Promise<CannedResponseView | null> {
    const rows = await queryRows<CannedResponseView>(
      em,
      `INSERT INTO canned_responses (shortcut, title, text, team_id, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [r.shortcut, r.title, r.text, r.teamId, r.createdBy],
    );
    return rows[0] ?? null;
  }

  /** `teamId` undefined leaves the team as it is; null makes the response shared. */
  async update(em: EntityManager, id: string, f: { shortcut?: string; title?: string; text?: string; teamId?: string | null }): Promise<CannedResponseView | null> {
    const rows = await queryRows<CannedResponseView>(
      em,
      `UPDATE canned_responses SET shortcut = coalesce($2, shortcut), title = coalesce($3, title), text = coalesce($4, text),
         team_id = CASE WHEN $5 THEN $6::uuid ELSE team_id END
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, f.shortcut ?? null, f.title ?? null, f.text ?? null, f.teamId !== undefined, f.teamId ?? null],
    );
    return rows[0] ?? null;
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    return (await affectedRows(em, `DELETE FROM canned_responses WHERE id = $1`, [id])) > 0;
  }
}
