import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface CannedResponseView {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  createdAt: string;
}

const COLUMNS = `id, shortcut, title, text, created_at AS "createdAt"`;

@Injectable()
export class CannedResponseRepository {
  list(em: EntityManager): Promise<CannedResponseView[]> {
    return em.query(`SELECT ${COLUMNS} FROM canned_responses ORDER BY lower(shortcut)`);
  }

  /** null when the shortcut is taken (unique index on lower(shortcut)). */
  async create(em: EntityManager, r: { shortcut: string; title: string; text: string; createdBy: string | null }): Promise<CannedResponseView | null> {
    const rows = await em.query(
      `INSERT INTO canned_responses (shortcut, title, text, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [r.shortcut, r.title, r.text, r.createdBy],
    );
    return rows[0] ?? null;
  }

  async update(em: EntityManager, id: string, f: { shortcut?: string; title?: string; text?: string }): Promise<CannedResponseView | null> {
    const rows = await em.query(
      `UPDATE canned_responses SET shortcut = coalesce($2, shortcut), title = coalesce($3, title), text = coalesce($4, text) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, f.shortcut ?? null, f.title ?? null, f.text ?? null],
    );
    // The pg driver answers UPDATE ... RETURNING with [rows, affectedCount].
    const [updated] = rows as [CannedResponseView[], number];
    return updated[0] ?? null;
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    const [, count] = await em.query(`DELETE FROM canned_responses WHERE id = $1`, [id]);
    return Number(count) > 0;
  }
}
