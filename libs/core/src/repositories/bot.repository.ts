import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../db/sql';

export interface BotView {
  id: string;
  name: string;
  description: string | null;
  webhookUrl: string | null;
  active: boolean;
  createdAt: string;
}

const toView = (r: Record<string, any>): BotView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  webhookUrl: r.webhook_url,
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
});

@Injectable()
export class BotRepository {
  async create(em: EntityManager, b: { name: string; description: string | null; webhookUrl: string | null; tokenHash: string }): Promise<BotView> {
    const [row] = await em.query(`INSERT INTO bots (name, description, webhook_url, token_hash) VALUES ($1, $2, $3, $4) RETURNING *`, [b.name, b.description, b.webhookUrl, b.tokenHash]);
    return toView(row);
  }

  async get(em: EntityManager, id: string): Promise<BotView | null> {
    const [row] = await em.query(`SELECT * FROM bots WHERE id = $1`, [id]);
    return row ? toView(row) : null;
  }

  async findActiveByTokenHash(em: EntityManager, tokenHash: string): Promise<BotView | null> {
    const [row] = await em.query(`SELECT * FROM bots WHERE token_hash = $1 AND active`, [tokenHash]);
    return row ? toView(row) : null;
  }

  async list(em: EntityManager): Promise<BotView[]> {
    return (await em.query(`SELECT * FROM bots ORDER BY name`)).map(toView);
  }

  async update(em: EntityManager, id: string, f: { name?: string; description?: string | null; webhookUrl?: string | null; active?: boolean; tokenHash?: string }): Promise<BotView | null> {
    const [row] = await queryRows(em, `UPDATE bots SET name = coalesce($2, name), description = CASE WHEN $3 THEN $4 ELSE description END,
         webhook_url = CASE WHEN $5 THEN $6 ELSE webhook_url END, active = coalesce($7, active), token_hash = coalesce($8, token_hash)
       WHERE id = $1 RETURNING *`,
      [id, f.name ?? null, f.description !== undefined, f.description ?? null, f.webhookUrl !== undefined, f.webhookUrl ?? null, f.active ?? null, f.tokenHash ?? null],
    );
    return row ? toView(row) : null;
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    return (await queryRows(em, `DELETE FROM bots WHERE id = $1 RETURNING id`, [id])).length > 0;
  }
}
