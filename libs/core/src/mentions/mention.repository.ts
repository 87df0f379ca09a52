import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ChannelKindName, ConversationStatus, MentionSummary } from '@inbox/realtime-contract';
import { queryRows } from '../db/sql';

/** A user a note may name, and whether they can see the conversation's inbox. */
export interface MentionCandidateRow {
  id: string;
  name: string;
  role: string;
  active: boolean;
  member: boolean;
}

interface MentionRow {
  id: string;
  message_id: string;
  conversation_id: string;
  user_id: string;
  author_id: string;
  author_name: string | null;
  excerpt: string;
  created_at: Date;
  read_at: Date | null;
  inbox_id: string;
  channel: ChannelKindName;
  contact_name: string | null;
  subject: string | null;
  status: ConversationStatus;
}

const SELECT_MENTION = `
  SELECT mn.id, mn.message_id, mn.conversation_id, mn.user_id, mn.author_id, au.name AS author_name,
         left(m.text, 200) AS excerpt, mn.created_at, mn.read_at,
         c.inbox_id, c.channel, ct.name AS contact_name, c.subject, c.status
  FROM mentions mn
  JOIN messages m ON m.id = mn.message_id
  JOIN conversations c ON c.id = mn.conversation_id
  LEFT JOIN contacts ct ON ct.id = c.contact_id
  LEFT JOIN users au ON au.id = mn.author_id`;

const toSummary = (r: MentionRow): MentionSummary => ({
  id: r.id,
  messageId: r.message_id,
  conversationId: r.conversation_id,
  userId: r.user_id,
  authorId: r.author_id,
  authorName: r.author_name,
  excerpt: r.excerpt,
  createdAt: new Date(r.created_at).toISOString(),
  readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
  conversation: { id: r.conversation_id, inboxId: r.inbox_id, channel: r.channel, contactName: r.contact_name, subject: r.subject, status: r.status },
});

export interface MentionListFilter {
  userId: string;
  unread: boolean;
  /** Agents: only mentions in conversations of inboxes they still belong to. */
  membersOnly: boolean;
  before?: { createdAt: string; id: string };
  limit: number;
}

@Injectable()
export class MentionRepository {
  async candidates(em: EntityManager, userIds: string[], inboxId: string): Promise<MentionCandidateRow[]> {
    return queryRows<MentionCandidateRow>(
      em,
      `SELECT u.id, u.name, u.role, u.active,
              EXISTS (SELECT 1 FROM inbox_members im WHERE im.inbox_id = $2 AND im.user_id = u.id) AS member
       FROM users u WHERE u.id = ANY($1::uuid[])`,
      [userIds, inboxId],
    );
  }

  /** Everyone a note in this inbox can name: active staff, and the inbox's active members. */
  async mentionable(em: EntityManager, inboxId: string): Promise<Array<{ id: string; name: string; role: string }>> {
    return queryRows<{ id: string; name: string; role: string }>(
      em,
      `SELECT u.id, u.name, u.role FROM users u
       WHERE u.active AND (u.role IN ('admin', 'coordinator') OR EXISTS (SELECT 1 FROM inbox_members im WHERE im.inbox_id = $1 AND im.user_id = u.id))
       ORDER BY lower(u.name), u.id`,
      [inboxId],
    );
  }

  /** Idempotent: a (note, user) pair already recorded is skipped; returns the ids of new rows only. */
  async insert(em: EntityManager, m: { messageId: string; conversationId: string; authorId: string; userIds: string[] }): Promise<string[]> {
    if (m.userIds.length === 0) return [];
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO mentions (message_id, conversation_id, user_id, author_id)
       SELECT $1, $2, u, $3 FROM unnest($4::uuid[]) AS u
       ON CONFLICT (message_id, user_id) DO NOTHING RETURNING id`,
      [m.messageId, m.conversationId, m.authorId, m.userIds],
    );
    return rows.map((r) => r.id);
  }

  async summaries(em: EntityManager, ids: string[]): Promise<MentionSummary[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<MentionRow>(em, `${SELECT_MENTION} WHERE mn.id = ANY($1::uuid[]) ORDER BY mn.created_at DESC, mn.id DESC`, [ids]);
    return rows.map(toSummary);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(em: EntityManager, f: MentionListFilter): Promise<MentionSummary[]> {
    const params: unknown[] = [f.userId];
    const where = ['mn.user_id = $1'];
    if (f.unread) where.push('mn.read_at IS NULL');
    if (f.membersOnly) where.push('EXISTS (SELECT 1 FROM inbox_members im WHERE im.inbox_id = c.inbox_id AND im.user_id = $1)');
    if (f.before) {
      params.push(f.before.createdAt, f.before.id);
      where.push(`(mn.created_at, mn.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(f.limit);
    const rows = await queryRows<MentionRow>(em, `${SELECT_MENTION} WHERE ${where.join(' AND ')} ORDER BY mn.created_at DESC, mn.id DESC LIMIT $${params.length}`, params);
    return rows.map(toSummary);
  }

  async unreadCount(em: EntityManager, userId: string, membersOnly: boolean): Promise<number> {
    const [row] = await queryRows<{ n: string }>(
      em,
      `SELECT count(*) AS n FROM mentions mn JOIN conversations c ON c.id = mn.conversation_id
       WHERE mn.user_id = $1 AND mn.read_at IS NULL
       ${membersOnly ? 'AND EXISTS (SELECT 1 FROM inbox_members im WHERE im.inbox_id = c.inbox_id AND im.user_id = $1)' : ''}`,
      [userId],
    );
    return Number(row?.n ?? 0);
  }

  /** Marks the user's unread mentions read, by ids and/or by conversation; returns the ids it changed. */
  async markRead(em: EntityManager, userId: string, by: { ids?: string[]; conversationId?: string }, at: Date): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      em,
      `UPDATE mentions SET read_at = $2
       WHERE user_id = $1 AND read_at IS NULL
         AND (($3::uuid[] IS NOT NULL AND id = ANY($3::uuid[])) OR ($4::uuid IS NOT NULL AND conversation_id = $4::uuid))
       RETURNING id`,
      [userId, at, by.ids ?? null, by.conversationId ?? null],
    );
    return rows.map((r) => r.id);
  }
}
