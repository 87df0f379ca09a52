import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';

/** The Slack channel's own SQL: seen event ids, edits and deletions, bot-opened threads. */
@Injectable()
export class SlackRepository {
  /** true the first time an (inbox, event_id) is seen; the primary key settles concurrent redeliveries. */
  async markEventSeen(em: EntityManager, inboxId: string, eventId: string, retryNum: number): Promise<boolean> {
    const rows = await queryRows<{ event_id: string }>(
      em,
      `INSERT INTO slack_events (inbox_id, event_id, retry_num) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id`,
      [inboxId, eventId, retryNum],
    );
    return rows.length > 0;
  }

  async pruneSeenEvents(em: EntityManager, olderThanHours: number): Promise<number> {
    const rows = await queryRows<{ event_id: string }>(em, `DELETE FROM slack_events WHERE received_at < now() - make_interval(hours => $1) RETURNING event_id`, [olderThanHours]);
    return rows.length;
  }

  /** The previous text is kept in metadata: an edit must not erase what the agent already read. */
  async applyEdit(
    em: EntityManager,
    inboxId: string,
    externalId: string,
    e: { text: string; editedAt: string; editedBy: string | null },
  ): Promise<{ id: string; conversationId: string } | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string }>(
      em,
      `UPDATE messages SET text = $3, html = NULL,
         metadata = metadata || jsonb_build_object('edited', jsonb_build_object('at', $4::text, 'by', $5::text, 'previousText', text))
       WHERE inbox_id = $1 AND external_id = $2 AND kind = 'message' AND text IS DISTINCT FROM $3
       RETURNING id, conversation_id`,
      [inboxId, externalId, e.text, e.editedAt, e.editedBy],
    );
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  async markDeleted(em: EntityManager, inboxId: string, externalId: string, deletedAt: string): Promise<{ id: string; conversationId: string } | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string }>(
      em,
      `UPDATE messages SET metadata = metadata || jsonb_build_object('deleted', jsonb_build_object('at', $3::text))
       WHERE inbox_id = $1 AND external_id = $2 AND kind = 'message' AND NOT (metadata ? 'deleted')
       RETURNING id, conversation_id`,
      [inboxId, externalId, deletedAt],
    );
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  async findOpenConversation(em: EntityManager, inboxId: string, threadKey: string): Promise<string | null> {
    const [row] = await em.query<Array<{ id: string }>>(`SELECT id FROM conversations WHERE inbox_id = $1 AND thread_key = $2 AND status <> 'resolved'`, [inboxId, threadKey]);
    return row?.id ?? null;
  }

  /**
   * A thread a bot starts belongs to the bot (status `bot`, nobody waiting): routing leaves
   * it alone until the bot hands it over. A concurrent opener of the same thread wins.
   */
  async openBotConversation(
    em: EntityManager,
    c: { inboxId: string; contactId: string; identityId: string; threadKey: string; teamId: string | null; subject: string | null },
  ): Promise<{ id: string; created: boolean }> {
    const [row] = await em.query<Array<{ id: string; created: boolean }>>(
      `INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, team_id, subject, waiting_since, last_message_at)
       VALUES ($1, 'slack', $2, $6, $3, 'bot', $4, $5, NULL, now())
       ON CONFLICT (inbox_id, thread_key) WHERE status <> 'resolved' DO UPDATE SET last_message_at = now(), updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [c.inboxId, c.contactId, c.threadKey, c.teamId, c.subject, c.identityId],
    );
    return { id: row.id, created: row.created };
  }
}
