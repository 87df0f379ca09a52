import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MESSAGE_COLUMNS, toMessageSummary, queryRows } from '@inbox/core';
import type { MessageSummaryRow } from '@inbox/core';
import type { MessageSummary, VisitorInfo } from '@inbox/realtime-contract';
import type { WidgetSettings } from './widget-settings.util';

export interface WebchatInbox {
  id: string;
  name: string;
  active: boolean;
  teamId: string | null;
  settings: WidgetSettings;
  secrets: string | null;
}

export interface VisitorSession {
  id: string;
  inboxId: string;
  identifier: string | null;
  name: string | null;
  email: string | null;
}

export interface AuthorInfo {
  id: string;
  name: string;
  avatarUrl: string | null;
}

/** A row of webchat_sessions (`SELECT *`). */
interface SessionRow {
  id: string;
  inbox_id: string;
  identifier: string | null;
  name: string | null;
  email: string | null;
  visitor: VisitorInfo | null;
  created_at: Date;
  last_seen_at: Date;
}

interface InboxRow {
  id: string;
  name: string;
  active: boolean;
  team_id: string | null;
  settings: WidgetSettings;
  secrets: string | null;
}

interface AttachmentRow {
  file_name: string;
  content_type: string;
  data: Buffer | null;
  storage_path: string | null;
}

const toSession = (r: SessionRow): VisitorSession => ({ id: r.id, inboxId: r.inbox_id, identifier: r.identifier, name: r.name, email: r.email });

/** Every query the web chat channel needs, in one place. */
@Injectable()
export class WebchatRepository {
  async inboxByWebsiteToken(em: EntityManager, websiteToken: string): Promise<WebchatInbox | null> {
    const [row] = await queryRows<InboxRow>(em, `SELECT id, name, active, team_id, settings, secrets FROM inboxes WHERE channel = 'webchat' AND settings->>'websiteToken' = $1`, [
      websiteToken,
    ]);
    return row ? { id: row.id, name: row.name, active: row.active, teamId: row.team_id, settings: row.settings, secrets: row.secrets } : null;
  }

  async createSession(em: EntityManager, inboxId: string, identifier: string | null): Promise<VisitorSession> {
    const [row] = await queryRows<SessionRow>(em, `INSERT INTO webchat_sessions (inbox_id, identifier) VALUES ($1, $2) RETURNING *`, [inboxId, identifier]);
    return toSession(row);
  }

  async session(em: EntityManager, id: string): Promise<VisitorSession | null> {
    const [row] = await queryRows<SessionRow>(em, `SELECT * FROM webchat_sessions WHERE id = $1`, [id]);
    return row ? toSession(row) : null;
  }

  /** A verified customer finds the same session (and so the same history) from any browser. */
  async latestSessionOf(em: EntityManager, inboxId: string, identifier: string): Promise<VisitorSession | null> {
    const [row] = await queryRows<SessionRow>(em, `SELECT * FROM webchat_sessions WHERE inbox_id = $1 AND identifier = $2 ORDER BY created_at DESC LIMIT 1`, [inboxId, identifier]);
    return row ? toSession(row) : null;
  }

  async touch(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE webchat_sessions SET last_seen_at = now() WHERE id = $1`, [id]);
  }

  /** What the widget told at this connect (see visitorInfoFrom). */
  async setSessionVisitor(em: EntityManager, id: string, visitor: VisitorInfo): Promise<void> {
    await em.query(`UPDATE webchat_sessions SET visitor = $2 WHERE id = $1`, [id, JSON.stringify(visitor)]);
  }

  /**
   * The contacts behind this session (a verified customer's contact, or the anonymous session's) get
   * its latest visitor info. A no-op when nothing changed, so every message can call it.
   */
  async copySessionVisitorToContact(em: EntityManager, sessionId: string, contactId: string): Promise<void> {
    await em.query(
      `UPDATE contacts ct SET visitor = s.visitor FROM webchat_sessions s
       WHERE s.id = $1 AND ct.id = $2 AND s.visitor IS NOT NULL AND ct.visitor IS DISTINCT FROM s.visitor`,
      [sessionId, contactId],
    );
  }

  async updateSessionContact(em: EntityManager, id: string, f: { name?: string | null; email?: string | null }): Promise<void> {
    await em.query(`UPDATE webchat_sessions SET name = coalesce($2, name), email = coalesce($3, email) WHERE id = $1`, [id, f.name ?? null, f.email ?? null]);
  }

  /** Customer-visible history only: no private notes, no activity lines. */
  async history(em: EntityManager, inboxId: string, sessionId: string, limit: number): Promise<MessageSummary[]> {
    const rows = await queryRows<MessageSummaryRow>(
      em,
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.inbox_id = $1 AND c.thread_key = $2 AND m.kind = 'message'
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3) recent ORDER BY created_at, id`,
      [inboxId, sessionId, limit],
    );
    return rows.map(toMessageSummary);
  }

  /** The session behind a webchat conversation, or null for any other channel. */
  async sessionOfConversation(em: EntityManager, conversationId: string): Promise<{ sessionId: string; inboxId: string; contactId: string } | null> {
    const [row] = await queryRows<{ thread_key: string; inbox_id: string; contact_id: string }>(
      em,
      `SELECT thread_key, inbox_id, contact_id FROM conversations WHERE id = $1 AND channel = 'webchat'`,
      [conversationId],
    );
    return row ? { sessionId: row.thread_key, inboxId: row.inbox_id, contactId: row.contact_id } : null;
  }

  async openConversationOf(em: EntityManager, inboxId: string, sessionId: string): Promise<{ id: string; contactId: string; contactName: string | null } | null> {
    const [row] = await queryRows<{ id: string; contact_id: string; name: string | null }>(
      em,
      `SELECT c.id, c.contact_id, ct.name FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
       WHERE c.inbox_id = $1 AND c.thread_key = $2 ORDER BY c.created_at DESC LIMIT 1`,
      [inboxId, sessionId],
    );
    return row ? { id: row.id, contactId: row.contact_id, contactName: row.name } : null;
  }

  async authors(em: EntityManager, userIds: string[], botIds: string[]): Promise<Map<string, AuthorInfo>> {
    const out = new Map<string, AuthorInfo>();
    if (userIds.length) {
      for (const r of await queryRows<{ id: string; name: string; avatar_url: string | null }>(em, `SELECT id, name, avatar_url FROM users WHERE id = ANY($1::uuid[])`, [userIds]))
        out.set(r.id, { id: r.id, name: r.name, avatarUrl: r.avatar_url });
    }
    if (botIds.length) {
      for (const r of await queryRows<{ id: string; name: string }>(em, `SELECT id, name FROM bots WHERE id = ANY($1::uuid[])`, [botIds]))
        out.set(r.id, { id: r.id, name: r.name, avatarUrl: null });
    }
    return out;
  }

  /** The visitor saw replies up to `messageId`: they become `read` (agents see it live). */
  async markRead(em: EntityManager, inboxId: string, sessionId: string, messageId: string): Promise<Array<{ id: string; conversationId: string }>> {
    const rows = await queryRows<{ id: string; conversation_id: string }>(
      em,
      `UPDATE messages m SET status = 'read' FROM conversations c, messages upto
       WHERE upto.id = $3 AND c.id = m.conversation_id AND c.inbox_id = $1 AND c.thread_key = $2
         AND upto.conversation_id = m.conversation_id
         AND m.direction = 'outbound' AND m.kind = 'message' AND m.status IN ('sent', 'delivered')
         AND (m.created_at, m.id) <= (upto.created_at, upto.id)
       RETURNING m.id, m.conversation_id`,
      [inboxId, sessionId, messageId],
    );
    return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id }));
  }

  async attachmentForSession(
    em: EntityManager,
    attachmentId: string,
    inboxId: string,
    sessionId: string,
  ): Promise<{ fileName: string; contentType: string; data: Buffer | null; storagePath: string | null } | null> {
    const [row] = await queryRows<AttachmentRow>(
      em,
      `SELECT a.file_name, a.content_type, a.data, a.storage_path FROM attachments a
       JOIN messages m ON m.id = a.message_id JOIN conversations c ON c.id = m.conversation_id
       WHERE a.id = $1 AND c.inbox_id = $2 AND c.thread_key = $3 AND m.kind = 'message'`,
      [attachmentId, inboxId, sessionId],
    );
    return row ? { fileName: row.file_name, contentType: row.content_type, data: row.data, storagePath: row.storage_path } : null;
  }

  /** A customer-visible attachment of this inbox (widget downloads through signed links). */
  async attachmentOfInbox(
    em: EntityManager,
    attachmentId: string,
    inboxId: string,
  ): Promise<{ fileName: string; contentType: string; data: Buffer | null; storagePath: string | null } | null> {
    const [row] = await queryRows<AttachmentRow>(
      em,
      `SELECT a.file_name, a.content_type, a.data, a.storage_path FROM attachments a
       JOIN messages m ON m.id = a.message_id JOIN conversations c ON c.id = m.conversation_id
       WHERE a.id = $1 AND c.inbox_id = $2 AND m.kind = 'message'`,
      [attachmentId, inboxId],
    );
    return row ? { fileName: row.file_name, contentType: row.content_type, data: row.data, storagePath: row.storage_path } : null;
  }

  /** Someone can answer now: an agent of the inbox is online. */
  async agentsOnline(em: EntityManager, inboxId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM inbox_members m JOIN agent_status s ON s.user_id = m.user_id WHERE m.inbox_id = $1 AND s.presence = 'online'`,
      [inboxId],
    );
    return row?.n ?? 0;
  }
}
