import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** The X channel's own SQL: echoes of messages the account sent from elsewhere. */
@Injectable()
export class XRepository {
  async findInboxIdByWebhookKey(em: EntityManager, key: string): Promise<string | null> {
    const [row] = await em.query<Array<{ id: string }>>(`SELECT id FROM inboxes WHERE channel = 'x' AND settings->>'webhookKey' = $1`, [key]);
    return row?.id ?? null;
  }

  /** The customer's open conversation in this inbox, else their latest one (an echo belongs with the history). */
  async conversationForContact(em: EntityManager, inboxId: string, customer: string): Promise<string | null> {
    const [row] = await em.query<Array<{ id: string }>>(
      `SELECT c.id FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id AND i.channel = 'x' AND i.address = $2
       WHERE c.inbox_id = $1 ORDER BY (c.status <> 'resolved') DESC, c.last_message_at DESC LIMIT 1`,
      [inboxId, customer],
    );
    return row?.id ?? null;
  }

  /** A reply of ours still in flight with this text: its echo must not become a second copy. */
  async hasReplyInFlight(em: EntityManager, conversationId: string, text: string): Promise<boolean> {
    const rows = await em.query<Array<{ one: number }>>(
      `SELECT 1 AS one FROM messages WHERE conversation_id = $1 AND direction = 'outbound' AND kind = 'message' AND status IN ('queued', 'sending') AND text = $2 LIMIT 1`,
      [conversationId, text],
    );
    return rows.length > 0;
  }

  async insertEcho(
    em: EntityManager,
    e: { inboxId: string; conversationId: string; externalId: string; text: string; at: string; metadata: Record<string, unknown> },
  ): Promise<string | null> {
    const rows = await em.query<Array<{ id: string }>>(
      `INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, external_id, status, metadata, sent_at, created_at)
       VALUES ($1, $2, 'outbound', 'message', 'system', NULL, $3, $4, 'sent', $5::jsonb, $6, $6)
       ON CONFLICT (inbox_id, external_id) DO NOTHING RETURNING id`,
      [e.conversationId, e.inboxId, e.text, e.externalId, JSON.stringify({ ...e.metadata, sentOutsideInbox: true }), e.at],
    );
    if (rows[0])
      await em.query(`UPDATE conversations SET last_message_at = greatest(last_message_at, $2::timestamptz), updated_at = now() WHERE id = $1`, [e.conversationId, e.at]);
    return rows[0]?.id ?? null;
  }
}
