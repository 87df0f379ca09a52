import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';
import type { MetaChannelKind } from './meta-events';

type Changed = { id: string; conversationId: string };
/** `RETURNING id, conversation_id` of a message change. */
type ChangedRow = { id: string; conversation_id: string };
const changed = (rows: ChangedRow[]): Changed[] => rows.map((r) => ({ id: r.id, conversationId: r.conversation_id }));

/** Forward-only delivery states: a late `delivered` never turns `read` back, a `failed` after delivery is ignored. */
const RANK = `CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 9 END`;
const NEW_RANK = `CASE $3::text WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END`;

/** The Meta channels' own SQL: webhook bodies seen, delivery receipts, reactions, echoes, edits. */
@Injectable()
export class MetaRepository {
  async findInboxIdByWebhookKey(em: EntityManager, kind: MetaChannelKind, key: string): Promise<string | null> {
    const [row] = await em.query<Array<{ id: string }>>(`SELECT id FROM inboxes WHERE channel = $1 AND settings->>'webhookKey' = $2`, [kind, key]);
    return row?.id ?? null;
  }

  /** true the first time this exact body reaches the inbox; the unique key settles concurrent redeliveries. */
  async recordEvent(
    em: EntityManager,
    e: { inboxId: string; sha256: string; outcome: 'queued' | 'ignored' | 'rejected'; reason: string | null; items: number; payload: unknown },
  ): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO meta_events (inbox_id, body_sha256, outcome, reason, items, payload) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (inbox_id, body_sha256) DO NOTHING RETURNING id`,
      [e.inboxId, e.sha256, e.outcome, e.reason, e.items, e.payload === undefined ? null : JSON.stringify(e.payload)],
    );
    return rows.length > 0;
  }

  async listEvents(em: EntityManager, inboxId: string, outcome: string | null, limit: number) {
    const rows = await em.query<Array<{ id: string; outcome: string; reason: string | null; items: number; payload: unknown; received_at: Date }>>(
      `SELECT id, outcome, reason, items, payload, received_at FROM meta_events WHERE inbox_id = $1 AND ($2::text IS NULL OR outcome = $2) ORDER BY received_at DESC, id LIMIT $3`,
      [inboxId, outcome, limit],
    );
    return rows.map((r) => ({ id: r.id, outcome: r.outcome, reason: r.reason, items: r.items, payload: r.payload, receivedAt: new Date(r.received_at).toISOString() }));
  }

  async pruneEvents(em: EntityManager, olderThanDays: number): Promise<number> {
    const rows = await queryRows<{ id: string }>(em, `DELETE FROM meta_events WHERE received_at < now() - make_interval(days => $1) RETURNING id`, [olderThanDays]);
    return rows.length;
  }

  async findMessage(em: EntityManager, inboxId: string, externalId: string): Promise<(Changed & { direction: string }) | null> {
    const [row] = await em.query<Array<ChangedRow & { direction: string }>>(`SELECT id, conversation_id, direction FROM messages WHERE inbox_id = $1 AND external_id = $2`, [
      inboxId,
      externalId,
    ]);
    return row ? { id: row.id, conversationId: row.conversation_id, direction: row.direction } : null;
  }

  async applyStatus(em: EntityManager, inboxId: string, externalId: string, status: 'sent' | 'delivered' | 'read' | 'failed', error: string | null): Promise<Changed[]> {
    const rows = await queryRows<ChangedRow>(
      em,
      `UPDATE messages SET status = $3, error = CASE WHEN $3 = 'failed' THEN $4 ELSE error END
       WHERE inbox_id = $1 AND external_id = $2 AND direction = 'outbound' AND kind = 'message'
         AND CASE WHEN $3 = 'failed' THEN status IN ('queued', 'sent') ELSE ${RANK} < ${NEW_RANK} END
       RETURNING id, conversation_id`,
      [inboxId, externalId, status, error],
    );
    return changed(rows);
  }

  /**
   * Messenger/Instagram receipts name the customer and a watermark: every reply to that customer
   * sent before it is delivered (or read). Our sent_at is taken after Graph answered, a moment
   * after Meta's own timestamp of the message, hence the few seconds of slack.
   */
  async applyWatermark(
    em: EntityManager,
    w: { inboxId: string; channel: MetaChannelKind; customer: string; status: 'delivered' | 'read'; mids: string[]; watermark: string | null },
  ): Promise<Changed[]> {
    const rows = await queryRows<ChangedRow>(
      em,
      `UPDATE messages m SET status = $3
       FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id AND i.channel = $2 AND i.address = $4
       WHERE m.conversation_id = c.id AND c.inbox_id = $1 AND m.inbox_id = $1 AND m.direction = 'outbound' AND m.kind = 'message'
         AND m.status IN ('sent', 'delivered') AND m.status <> $3
         AND (m.external_id = ANY($5::text[]) OR ($6::timestamptz IS NOT NULL AND m.sent_at <= $6::timestamptz + interval '5 seconds'))
       RETURNING m.id, m.conversation_id`,
      [w.inboxId, w.channel, w.status, w.customer, w.mids, w.watermark],
    );
    return changed(rows);
  }

  /** Reactions are kept on the message they react to, one per person; an empty emoji removes it. */
  async applyReaction(em: EntityManager, inboxId: string, target: string, from: string, emoji: string | null, at: string): Promise<Changed | null> {
    const [row] = await queryRows<ChangedRow>(
      em,
      emoji
        ? `UPDATE messages SET metadata = jsonb_set(metadata, '{reactions}', coalesce(metadata->'reactions', '{}'::jsonb) || jsonb_build_object($3::text, jsonb_build_object('emoji', $4::text, 'at', $5::text)))
           WHERE inbox_id = $1 AND external_id = $2 RETURNING id, conversation_id`
        : `UPDATE messages SET metadata = jsonb_set(metadata, '{reactions}', coalesce(metadata->'reactions', '{}'::jsonb) - $3::text)
           WHERE inbox_id = $1 AND external_id = $2 AND metadata->'reactions' ? $3::text RETURNING id, conversation_id`,
      emoji ? [inboxId, target, from, emoji, at] : [inboxId, target, from],
    );
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  async markDeleted(em: EntityManager, inboxId: string, externalId: string, at: string): Promise<Changed | null> {
    const [row] = await queryRows<ChangedRow>(
      em,
      `UPDATE messages SET metadata = metadata || jsonb_build_object('deleted', jsonb_build_object('at', $3::text))
       WHERE inbox_id = $1 AND external_id = $2 AND kind = 'message' AND NOT (metadata ? 'deleted') RETURNING id, conversation_id`,
      [inboxId, externalId, at],
    );
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  /** The previous text is kept in metadata: an edit must not erase what the agent already read. */
  async applyEdit(em: EntityManager, inboxId: string, externalId: string, text: string, at: string): Promise<Changed | null> {
    const [row] = await queryRows<ChangedRow>(
      em,
      `UPDATE messages SET text = $3, html = NULL, metadata = metadata || jsonb_build_object('edited', jsonb_build_object('at', $4::text, 'previousText', text))
       WHERE inbox_id = $1 AND external_id = $2 AND kind = 'message' AND text IS DISTINCT FROM $3 RETURNING id, conversation_id`,
      [inboxId, externalId, text, at],
    );
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  /** The customer's open conversation in this inbox, else their latest one (an echo belongs with the history). */
  async conversationForContact(em: EntityManager, inboxId: string, channel: MetaChannelKind, customer: string): Promise<string | null> {
    const [row] = await em.query<Array<{ id: string }>>(
      `SELECT c.id FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id AND i.channel = $2 AND i.address = $3
       WHERE c.inbox_id = $1 ORDER BY (c.status <> 'resolved') DESC, c.last_message_at DESC LIMIT 1`,
      [inboxId, channel, customer],
    );
    return row?.id ?? null;
  }

  /** A reply of ours still in flight with this text: its echo must not become a second copy. */
  async hasQueuedReply(em: EntityManager, conversationId: string, text: string): Promise<boolean> {
    const rows = await em.query<Array<{ one: number }>>(
      `SELECT 1 AS one FROM messages WHERE conversation_id = $1 AND direction = 'outbound' AND kind = 'message' AND status = 'queued' AND text = $2 LIMIT 1`,
      [conversationId, text],
    );
    return rows.length > 0;
  }

  /** What the business sent from another tool (Page inbox, Business Suite, the WhatsApp Business app). */
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

  /** When the customer last wrote in this conversation: the start of the customer service window. */
  async lastInboundAt(em: EntityManager, conversationId: string): Promise<Date | null> {
    const [row] = await em.query<Array<{ at: Date | null }>>(
      `SELECT max(created_at) AS at FROM messages WHERE conversation_id = $1 AND direction = 'inbound' AND kind = 'message'`,
      [conversationId],
    );
    return row?.at ? new Date(row.at) : null;
  }
}
