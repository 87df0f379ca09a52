import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';

export type ChannelEventOutcome = 'queued' | 'ignored' | 'rejected';

/**
 * Telegram updates and X Account Activity events seen per inbox, by the channel's own id:
 * the unique key makes a redelivery a no-op even when it races the first. Rejected ones keep
 * their payload for the admin.
 */
@Injectable()
export class ChannelEventsRepository {
  /** true the first time this event id reaches the inbox. */
  async record(
    em: EntityManager,
    e: { inboxId: string; channel: 'telegram' | 'x'; eventId: string; outcome: ChannelEventOutcome; reason: string | null; payload: unknown },
  ): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO channel_events (inbox_id, channel, event_id, outcome, reason, payload) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (inbox_id, event_id) DO NOTHING RETURNING id`,
      [e.inboxId, e.channel, e.eventId, e.outcome, e.reason, e.payload === undefined || e.payload === null ? null : JSON.stringify(e.payload)],
    );
    return rows.length > 0;
  }

  async list(em: EntityManager, inboxId: string, outcome: ChannelEventOutcome | null, limit: number) {
    const rows = await em.query<Array<{ id: string; event_id: string; outcome: ChannelEventOutcome; reason: string | null; payload: unknown; received_at: Date }>>(
      `SELECT id, event_id, outcome, reason, payload, received_at FROM channel_events WHERE inbox_id = $1 AND ($2::text IS NULL OR outcome = $2) ORDER BY received_at DESC, id LIMIT $3`,
      [inboxId, outcome, limit],
    );
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, outcome: r.outcome, reason: r.reason, payload: r.payload, receivedAt: new Date(r.received_at).toISOString() }));
  }

  async prune(em: EntityManager, olderThanDays: number): Promise<number> {
    const rows = await queryRows<{ id: string }>(em, `DELETE FROM channel_events WHERE received_at < now() - make_interval(days => $1) RETURNING id`, [olderThanDays]);
    return rows.length;
  }

  /** The previous text is kept in metadata: an edit must not erase what the agent already read. */
  async applyEdit(em: EntityManager, inboxId: string, externalId: string, text: string, at: string): Promise<{ id: string; conversationId: string } | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string }>(
      em,
      `UPDATE messages SET text = $3, html = NULL, metadata = metadata || jsonb_build_object('edited', jsonb_build_object('at', $4::text, 'previousText', text))
       WHERE inbox_id = $1 AND external_id = $2 AND kind = 'message' AND direction = 'inbound' AND text IS DISTINCT FROM $3 RETURNING id, conversation_id`,
      [inboxId, externalId, text, at],
    );
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  async findMessage(em: EntityManager, inboxId: string, externalId: string): Promise<{ id: string; conversationId: string } | null> {
    const [row] = await em.query<Array<{ id: string; conversation_id: string }>>(`SELECT id, conversation_id FROM messages WHERE inbox_id = $1 AND external_id = $2`, [
      inboxId,
      externalId,
    ]);
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  /** The customer blocked the bot (or unblocked it): replies fail with this reason until then. */
  async setReachability(em: EntityManager, channel: string, address: string, reason: string | null, at: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      `UPDATE contact_identities SET unreachable_at = CASE WHEN $3::text IS NULL THEN NULL ELSE $4::timestamptz END, unreachable_reason = $3
       WHERE channel = $1 AND address = $2 AND unreachable_reason IS DISTINCT FROM $3 RETURNING id`,
      [channel, address, reason, at],
    );
    return rows.length > 0;
  }

  async unreachable(em: EntityManager, channel: string, address: string): Promise<{ at: string; reason: string } | null> {
    const [row] = await em.query<Array<{ unreachable_at: Date; unreachable_reason: string }>>(
      `SELECT unreachable_at, unreachable_reason FROM contact_identities WHERE channel = $1 AND address = $2 AND unreachable_at IS NOT NULL`,
      [channel, address],
    );
    return row ? { at: new Date(row.unreachable_at).toISOString(), reason: row.unreachable_reason } : null;
  }
}
