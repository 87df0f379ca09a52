import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';
import type { CallDetails } from './phone-call.util';

export interface StoredCall {
  id: string;
  conversationId: string;
  conversationStatus: string;
  call: CallDetails;
}

/** The phone channel's own SQL: call entries, the conversations they live in, the calls report. */
@Injectable()
export class PhoneRepository {
  /** The call reported before under this id, locked: concurrent updates of one call apply one after the other. */
  async lockCall(em: EntityManager, inboxId: string, externalId: string): Promise<StoredCall | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string; call: CallDetails; status: string }>(
      em,
      `SELECT m.id, m.conversation_id, m.metadata->'call' AS call, c.status FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.inbox_id = $1 AND m.external_id = $2 AND m.kind = 'call' FOR UPDATE OF m`,
      [inboxId, externalId],
    );
    return row ? { id: row.id, conversationId: row.conversation_id, conversationStatus: row.status, call: row.call } : null;
  }

  async externalIdTaken(em: EntityManager, inboxId: string, externalId: string): Promise<boolean> {
    const rows = await queryRows<{ one: number }>(em, `SELECT 1 AS one FROM messages WHERE inbox_id = $1 AND external_id = $2 AND kind <> 'call'`, [inboxId, externalId]);
    return rows.length > 0;
  }

  /** The caller's open conversation on this line, else their latest one: one history per caller. */
  async currentConversation(em: EntityManager, inboxId: string, threadKey: string): Promise<string | null> {
    const [row] = await queryRows<{ id: string }>(
      em,
      `SELECT id FROM conversations WHERE inbox_id = $1 AND thread_key = $2 ORDER BY (status <> 'resolved') DESC, last_message_at DESC LIMIT 1`,
      [inboxId, threadKey],
    );
    return row?.id ?? null;
  }

  /**
   * A call that asks nothing of anyone (answered, outbound, still ringing) goes into the history
   * without creating work: a resolved conversation, assigned to the agent who took the call.
   */
  async insertResolvedConversation(
    em: EntityManager,
    c: {
      inboxId: string;
      contactId: string;
      identityId: string;
      threadKey: string;
      teamId: string | null;
      subject: string;
      assigneeId: string | null;
      firstResponseAt: string | null;
      at: string;
    },
  ): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      em,
      `INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, team_id, subject, assignee_id, first_response_at, resolved_at, waiting_since, last_message_at, created_at)
       VALUES ($1, 'phone', $2, $3, $4, 'resolved', $5, $6, $7, $8, now(), NULL, $9, $9) RETURNING id`,
      [c.inboxId, c.contactId, c.identityId, c.threadKey, c.teamId, c.subject, c.assigneeId, c.firstResponseAt, c.at],
    );
    return row.id;
  }

  async updateCall(em: EntityManager, id: string, text: string, call: CallDetails, authorId: string | null): Promise<void> {
    await em.query(
      `UPDATE messages SET text = $2, metadata = jsonb_set(metadata, '{call}', $3::jsonb),
         author_id = CASE WHEN author_type = 'user' THEN coalesce($4, author_id) ELSE author_id END
       WHERE id = $1`,
      [id, text, JSON.stringify(call), authorId],
    );
  }

  async moveCall(em: EntityManager, id: string, conversationId: string): Promise<void> {
    await em.query(`UPDATE messages SET conversation_id = $2 WHERE id = $1`, [id, conversationId]);
  }

  /** A call an agent answered (or made) is a response: the first one sets first_response_at. */
  async markFirstResponse(em: EntityManager, conversationId: string, at: string): Promise<void> {
    await em.query(`UPDATE conversations SET first_response_at = $2 WHERE id = $1 AND first_response_at IS NULL AND created_at <= $2::timestamptz + interval '1 day'`, [
      conversationId,
      at,
    ]);
  }

  async touch(em: EntityManager, conversationId: string, at: string): Promise<void> {
    await em.query(`UPDATE conversations SET last_message_at = greatest(last_message_at, $2::timestamptz), updated_at = now() WHERE id = $1`, [conversationId, at]);
  }

  async userByEmail(em: EntityManager, email: string): Promise<{ id: string; name: string; email: string } | null> {
    const [row] = await queryRows<{ id: string; name: string; email: string }>(em, `SELECT id, name, email FROM users WHERE lower(email) = lower($1)`, [email]);
    return row ?? null;
  }

  /**
   * Calls between two dates: per direction and status, per agent, per channel of the
   * conversation, and for inbound missed calls the time to the first outbound call to that
   * contact afterwards (the call-back).
   */
  async callsReport(em: EntityManager, f: { from: Date; to: Date; inboxId: string | null }) {
    const rows = await queryRows<{ id: string; created_at: Date; channel: string; contact_id: string; call: CallDetails; called_back_at: Date | null }>(
      em,
      `SELECT m.id, m.created_at, c.channel, c.contact_id, m.metadata->'call' AS call,
         (SELECT min(o.created_at) FROM messages o JOIN conversations oc ON oc.id = o.conversation_id
           WHERE o.kind = 'call' AND o.metadata->'call'->>'direction' = 'outbound' AND oc.contact_id = c.contact_id AND o.created_at > m.created_at) AS called_back_at
       FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.kind = 'call' AND m.created_at >= $1 AND m.created_at < $2 AND ($3::uuid IS NULL OR m.inbox_id = $3)`,
      [f.from, f.to, f.inboxId],
    );
    return rows.map((r) => ({
      id: r.id,
      createdAt: new Date(r.created_at),
      channel: r.channel,
      call: r.call,
      calledBackAt: r.called_back_at ? new Date(r.called_back_at) : null,
    }));
  }

  async userNames(em: EntityManager, ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await queryRows<{ id: string; name: string }>(em, `SELECT id, name FROM users WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
