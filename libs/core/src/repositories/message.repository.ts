import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../db/sql';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import { CONVERSATION_COLUMNS, CONVERSATION_FROM, MESSAGE_COLUMNS, toConversationSummary, toMessageSummary } from './row-mappers';
import type { AuthorType, DeliveryStatus, MessageDirection, MessageKind } from '../entities/enums';

export interface NewMessage {
  conversationId: string;
  inboxId: string;
  direction: MessageDirection;
  kind: MessageKind;
  authorType: AuthorType;
  authorId: string | null;
  text: string;
  html: string | null;
  externalId: string | null;
  status: DeliveryStatus | null;
  metadata: Record<string, unknown>;
  createdAt?: Date;
}

export interface NewAttachment {
  fileName: string;
  contentType: string;
  data: Buffer;
  contentId?: string | null;
}

@Injectable()
export class MessageRepository {
  async findByExternalId(em: EntityManager, inboxId: string, externalId: string): Promise<{ id: string; conversationId: string } | null> {
    const [row] = await em.query(`SELECT id, conversation_id FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, externalId]);
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  /**
   * What ingest needs before it writes, in one round trip: the inbox (null when unknown)
   * and the message already stored under this external id, if any.
   */
  async ingestPrecheck(em: EntityManager, inboxId: string, externalId: string): Promise<{ inbox: { channel: string; teamId: string | null; active: boolean } | null; seen: { id: string; conversationId: string } | null }> {
    const [row] = await em.query(
      `SELECT i.channel, i.team_id, i.active, m.id AS message_id, m.conversation_id
       FROM inboxes i LEFT JOIN messages m ON m.inbox_id = i.id AND m.external_id = $2 WHERE i.id = $1`,
      [inboxId, externalId],
    );
    if (!row) return { inbox: null, seen: null };
    return { inbox: { channel: row.channel, teamId: row.team_id, active: row.active }, seen: row.message_id ? { id: row.message_id, conversationId: row.conversation_id } : null };
  }

  /** The conversation and message summaries for the events of one write, in one round trip. */
  async summaries(em: EntityManager, conversationId: string, messageId: string): Promise<{ conversation: ConversationSummary; message: MessageSummary }> {
    const [row] = await em.query(
      `SELECT (SELECT row_to_json(x) FROM (SELECT ${CONVERSATION_COLUMNS} FROM ${CONVERSATION_FROM} WHERE c.id = $1) x) AS conversation,
              (SELECT row_to_json(y) FROM (SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $2) y) AS message`,
      [conversationId, messageId],
    );
    return { conversation: toConversationSummary(row.conversation), message: toMessageSummary(row.message) };
  }

  /** Returns null when (inbox_id, external_id) already exists: the caller treats it as a redelivery. */
  async insert(em: EntityManager, m: NewMessage): Promise<string | null> {
    const rows = await em.query(
      `INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, html, external_id, status, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, coalesce($12, now()))
       ON CONFLICT (inbox_id, external_id) DO NOTHING
       RETURNING id`,
      [m.conversationId, m.inboxId, m.direction, m.kind, m.authorType, m.authorId, m.text, m.html, m.externalId, m.status, JSON.stringify(m.metadata), m.createdAt ?? null],
    );
    return rows[0]?.id ?? null;
  }

  async insertAttachments(em: EntityManager, messageId: string, attachments: NewAttachment[]): Promise<void> {
    for (const a of attachments) {
      await em.query(
        `INSERT INTO attachments (message_id, file_name, content_type, size, content_id, data) VALUES ($1, $2, $3, $4, $5, $6)`,
        [messageId, a.fileName, a.contentType, a.data.length, a.contentId ?? null, a.data],
      );
    }
  }

  async summary(em: EntityManager, id: string): Promise<MessageSummary | null> {
    const [row] = await em.query(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1`, [id]);
    return row ? toMessageSummary(row) : null;
  }

  async listByConversation(em: EntityManager, conversationId: string, opts: { before?: { createdAt: string; id: string }; limit: number }): Promise<MessageSummary[]> {
    const params: unknown[] = [conversationId, opts.limit];
    let cursor = '';
    if (opts.before) {
      params.push(opts.before.createdAt, opts.before.id);
      cursor = `AND (m.created_at, m.id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows = await em.query(
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 ${cursor}
        ORDER BY m.created_at DESC, m.id DESC LIMIT $2) recent ORDER BY created_at, id`,
      params,
    );
    return rows.map(toMessageSummary);
  }

  /** Claims a queued message for a send attempt; null when it is no longer queued (sent meanwhile, or gone). */
  async startAttempt(em: EntityManager, id: string): Promise<{ attempts: number } | null> {
    const [row] = await queryRows(em, `UPDATE messages SET attempts = attempts + 1 WHERE id = $1 AND status = 'queued' RETURNING attempts`,
      [id],
    );
    return row ? { attempts: row.attempts } : null;
  }

  async setDelivery(em: EntityManager, id: string, status: DeliveryStatus, fields: { error?: string | null; externalId?: string | null; sentAt?: Date | null }): Promise<void> {
    await em.query(
      `UPDATE messages SET status = $2, error = $3, external_id = coalesce($4, external_id),
         sent_at = CASE WHEN $2 = 'sent' THEN coalesce($5, now()) ELSE sent_at END
       WHERE id = $1`,
      [id, status, fields.error ?? null, fields.externalId ?? null, fields.sentAt ?? null],
    );
  }

  async attachment(em: EntityManager, id: string): Promise<{ id: string; messageId: string; fileName: string; contentType: string; data: Buffer | null; storagePath: string | null } | null> {
    const [row] = await em.query(`SELECT id, message_id, file_name, content_type, data, storage_path FROM attachments WHERE id = $1`, [id]);
    return row ? { id: row.id, messageId: row.message_id, fileName: row.file_name, contentType: row.content_type, data: row.data, storagePath: row.storage_path } : null;
  }
}
