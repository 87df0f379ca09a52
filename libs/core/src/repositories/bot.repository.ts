import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../db/sql';
import type { BotScope } from '../auth/permissions';

export interface BotView {
  id: string;
  name: string;
  description: string | null;
  webhookUrl: string | null;
  active: boolean;
  /** null: every inbox (an unscoped bot); otherwise the only inboxes its token sees and acts in. */
  inboxIds: string[] | null;
  scopes: BotScope[];
  tokenExpiresAt: string | null;
  /** Bot-first inboxes: new conversations there start as this bot's. */
  firstInboxIds: string[];
  createdAt: string;
}

const BOT_SELECT = `SELECT b.*, CASE WHEN b.all_inboxes THEN NULL ELSE coalesce((SELECT array_agg(bi.inbox_id::text ORDER BY bi.inbox_id) FROM bot_inboxes bi WHERE bi.bot_id = b.id), '{}') END AS inbox_ids,
  coalesce((SELECT array_agg(i.id::text ORDER BY i.id) FROM inboxes i WHERE i.bot_id = b.id), '{}') AS first_inbox_ids FROM bots b`;

/** A row of BOT_SELECT. */
interface BotRow {
  id: string;
  name: string;
  description: string | null;
  webhook_url: string | null;
  active: boolean;
  inbox_ids: string[] | null;
  scopes: BotScope[];
  token_expires_at: Date | null;
  first_inbox_ids: string[] | null;
  created_at: Date;
}

const toView = (r: BotRow): BotView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  webhookUrl: r.webhook_url,
  active: r.active,
  inboxIds: r.inbox_ids ?? null,
  scopes: r.scopes,
  tokenExpiresAt: r.token_expires_at ? new Date(r.token_expires_at).toISOString() : null,
  firstInboxIds: r.first_inbox_ids ?? [],
  createdAt: new Date(r.created_at).toISOString(),
});

export interface InboxBotSettings {
  botId: string | null;
  /** Told to the customer at handoff. */
  handoffMessage: string | null;
  /** A customer asking for a person ("agent", "humain"…) hands over without the bot. */
  handoffOnRequest: boolean;
}

export interface BotFields {
  name?: string;
  description?: string | null;
  webhookUrl?: string | null;
  active?: boolean;
  tokenHash?: string;
  /** null: every inbox. */
  inboxIds?: string[] | null;
  scopes?: BotScope[];
  tokenExpiresAt?: Date | null;
}

@Injectable()
export class BotRepository {
  async create(
    em: EntityManager,
    b: { name: string; description: string | null; webhookUrl: string | null; tokenHash: string; inboxIds: string[] | null; scopes: BotScope[]; tokenExpiresAt: Date | null },
  ): Promise<BotView> {
    const [row] = await queryRows<{ id: string }>(
      em,
      `INSERT INTO bots (name, description, webhook_url, token_hash, all_inboxes, scopes, token_expires_at) VALUES ($1, $2, $3, $4, $5, $6::text[], $7) RETURNING id`,
      [b.name, b.description, b.webhookUrl, b.tokenHash, b.inboxIds === null, b.scopes, b.tokenExpiresAt],
    );
    if (b.inboxIds?.length) await this.setInboxes(em, row.id, b.inboxIds);
    return (await this.get(em, row.id))!;
  }

  async get(em: EntityManager, id: string): Promise<BotView | null> {
    const [row] = await queryRows<BotRow>(em, `${BOT_SELECT} WHERE b.id = $1`, [id]);
    return row ? toView(row) : null;
  }

  /** Active, with an unexpired token. */
  async findActiveByTokenHash(em: EntityManager, tokenHash: string): Promise<BotView | null> {
    const [row] = await queryRows<BotRow>(em, `${BOT_SELECT} WHERE b.token_hash = $1 AND b.active AND (b.token_expires_at IS NULL OR b.token_expires_at > now())`, [tokenHash]);
    return row ? toView(row) : null;
  }

  async list(em: EntityManager): Promise<BotView[]> {
    return (await queryRows<BotRow>(em, `${BOT_SELECT} ORDER BY b.name`)).map(toView);
  }

  async update(em: EntityManager, id: string, f: BotFields): Promise<BotView | null> {
    const rows = await queryRows<{ id: string }>(
      em,
      `UPDATE bots SET name = coalesce($2, name), description = CASE WHEN $3 THEN $4 ELSE description END,
         webhook_url = CASE WHEN $5 THEN $6 ELSE webhook_url END, active = coalesce($7, active), token_hash = coalesce($8, token_hash),
         all_inboxes = CASE WHEN $9 THEN $10 ELSE all_inboxes END, scopes = coalesce($11::text[], scopes),
         token_expires_at = CASE WHEN $12 THEN $13::timestamptz ELSE token_expires_at END
       WHERE id = $1 RETURNING id`,
      [
        id,
        f.name ?? null,
        f.description !== undefined,
        f.description ?? null,
        f.webhookUrl !== undefined,
        f.webhookUrl ?? null,
        f.active ?? null,
        f.tokenHash ?? null,
        f.inboxIds !== undefined,
        f.inboxIds === null,
        f.scopes ?? null,
        f.tokenExpiresAt !== undefined,
        f.tokenExpiresAt ?? null,
      ],
    );
    if (!rows.length) return null;
    if (f.inboxIds !== undefined) await this.setInboxes(em, id, f.inboxIds ?? []);
    return this.get(em, id);
  }

  private async setInboxes(em: EntityManager, botId: string, inboxIds: string[]): Promise<void> {
    await em.query(`DELETE FROM bot_inboxes WHERE bot_id = $1`, [botId]);
    if (inboxIds.length) await em.query(`INSERT INTO bot_inboxes (bot_id, inbox_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [botId, inboxIds]);
  }

  /** Names for timelines: which bot wrote or acted (every signed-in person may read them). */
  async names(em: EntityManager): Promise<Array<{ id: string; name: string; active: boolean }>> {
    return queryRows<{ id: string; name: string; active: boolean }>(em, `SELECT id, name, active FROM bots ORDER BY name`);
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    return (await queryRows<{ id: string }>(em, `DELETE FROM bots WHERE id = $1 RETURNING id`, [id])).length > 0;
  }

  /** Makes an inbox bot-first (or not, with null) and sets what the customer is told at handoff. */
  async setInboxBot(em: EntityManager, inboxId: string, s: InboxBotSettings): Promise<boolean> {
    return (
      (
        await queryRows<{ id: string }>(em, `UPDATE inboxes SET bot_id = $2, handoff_message = $3, handoff_on_request = $4 WHERE id = $1 RETURNING id`, [
          inboxId,
          s.botId,
          s.handoffMessage,
          s.handoffOnRequest,
        ])
      ).length > 0
    );
  }

  async inboxBot(em: EntityManager, inboxId: string): Promise<InboxBotSettings | null> {
    const [row] = await queryRows<{ bot_id: string | null; handoff_message: string | null; handoff_on_request: boolean }>(
      em,
      `SELECT bot_id, handoff_message, handoff_on_request FROM inboxes WHERE id = $1`,
      [inboxId],
    );
    return row ? { botId: row.bot_id, handoffMessage: row.handoff_message, handoffOnRequest: row.handoff_on_request } : null;
  }

  /** What a customer's message needs to decide on a handoff by request: the conversation's state and its inbox's bot. */
  async handoffContext(
    em: EntityManager,
    conversationId: string,
  ): Promise<{ status: string; bot: { id: string; name: string } | null; handoffOnRequest: boolean; language: string | null } | null> {
    const [row] = await queryRows<{ status: string; language: string | null; handoff_on_request: boolean; bot_id: string | null; bot_name: string | null }>(
      em,
      `SELECT c.status, c.language, i.handoff_on_request, b.id AS bot_id, b.name AS bot_name
       FROM conversations c JOIN inboxes i ON i.id = c.inbox_id LEFT JOIN bots b ON b.id = i.bot_id AND b.active WHERE c.id = $1`,
      [conversationId],
    );
    return row
      ? { status: row.status, language: row.language, handoffOnRequest: row.handoff_on_request, bot: row.bot_id ? { id: row.bot_id, name: row.bot_name ?? '' } : null }
      : null;
  }
}
