import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';

export interface SyncState {
  uidvalidity: number;
  lastUid: number;
}

export interface QuarantineItem {
  id: string;
  inboxId: string;
  mailbox: string;
  uid: number | null;
  uidvalidity: number | null;
  messageId: string | null;
  reason: string;
  size: number;
  receivedAt: string;
}

/** An email_quarantine row without the raw bytes; uid, uidvalidity and size are bigint (text from pg). */
interface QuarantineRow {
  id: string;
  inbox_id: string;
  mailbox: string;
  uid: string | null;
  uidvalidity: string | null;
  message_id: string | null;
  reason: string;
  size: string;
  received_at: Date;
}

const toQuarantine = (r: QuarantineRow): QuarantineItem => ({
  id: r.id,
  inboxId: r.inbox_id,
  mailbox: r.mailbox,
  uid: r.uid === null ? null : Number(r.uid),
  uidvalidity: r.uidvalidity === null ? null : Number(r.uidvalidity),
  messageId: r.message_id,
  reason: r.reason,
  size: Number(r.size),
  receivedAt: new Date(r.received_at).toISOString(),
});

/** Everything the email channel stores beyond the core model: sync state, quarantine, raw sources, thread look-ups. */
@Injectable()
export class EmailRepository {
  async activeInboxIds(em: EntityManager): Promise<string[]> {
    const rows = await em.query<Array<{ id: string }>>(`SELECT id FROM inboxes WHERE channel = 'email' AND active ORDER BY created_at`);
    return rows.map((r) => r.id);
  }

  async syncState(em: EntityManager, inboxId: string, mailbox: string): Promise<SyncState | null> {
    const [row] = await em.query<Array<{ uidvalidity: string; last_uid: string }>>(`SELECT uidvalidity, last_uid FROM email_sync_state WHERE inbox_id = $1 AND mailbox = $2`, [
      inboxId,
      mailbox,
    ]);
    return row ? { uidvalidity: Number(row.uidvalidity), lastUid: Number(row.last_uid) } : null;
  }

  /** A new UIDVALIDITY starts from UID 0 again; within one UIDVALIDITY the last UID only moves forward. */
  async saveSyncState(em: EntityManager, inboxId: string, mailbox: string, state: SyncState): Promise<void> {
    await em.query(
      `INSERT INTO email_sync_state (inbox_id, mailbox, uidvalidity, last_uid, synced_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (inbox_id, mailbox) DO UPDATE SET
         last_uid = CASE WHEN email_sync_state.uidvalidity = EXCLUDED.uidvalidity THEN GREATEST(email_sync_state.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
         uidvalidity = EXCLUDED.uidvalidity, synced_at = now()`,
      [inboxId, mailbox, state.uidvalidity, state.lastUid],
    );
  }

  /** Idempotent on the raw bytes: the same bad mail seen again (re-sync, appended twice) is stored once. */
  async quarantine(
    em: EntityManager,
    q: { inboxId: string; mailbox: string; uid: number | null; uidvalidity: number | null; messageId: string | null; reason: string; raw: Buffer },
  ): Promise<boolean> {
    const rows = await em.query<Array<{ id: string }>>(
      `INSERT INTO email_quarantine (inbox_id, mailbox, uid, uidvalidity, message_id, reason, raw, raw_sha256, size)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (inbox_id, raw_sha256) DO NOTHING RETURNING id`,
      [q.inboxId, q.mailbox, q.uid, q.uidvalidity, q.messageId, q.reason.slice(0, 2000), q.raw, createHash('sha256').update(q.raw).digest('hex'), q.raw.length],
    );
    return rows.length > 0;
  }

  async listQuarantine(em: EntityManager, inboxId: string, limit: number): Promise<QuarantineItem[]> {
    const rows = await em.query<QuarantineRow[]>(
      `SELECT id, inbox_id, mailbox, uid, uidvalidity, message_id, reason, size, received_at FROM email_quarantine WHERE inbox_id = $1 ORDER BY received_at DESC, id LIMIT $2`,
      [inboxId, limit],
    );
    return rows.map(toQuarantine);
  }

  async quarantineRaw(em: EntityManager, inboxId: string, id: string): Promise<Buffer | null> {
    const [row] = await em.query<Array<{ raw: Buffer }>>(`SELECT raw FROM email_quarantine WHERE inbox_id = $1 AND id = $2`, [inboxId, id]);
    return row?.raw ?? null;
  }

  async saveRaw(em: EntityManager, messageId: string, raw: Buffer): Promise<void> {
    await em.query(`INSERT INTO email_raw_messages (message_id, raw, size) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING`, [messageId, raw, raw.length]);
  }

  async raw(em: EntityManager, messageId: string): Promise<Buffer | null> {
    const [row] = await em.query<Array<{ raw: Buffer }>>(`SELECT raw FROM email_raw_messages WHERE message_id = $1`, [messageId]);
    return row?.raw ?? null;
  }

  /**
   * The thread key of the first candidate Message-ID this inbox has seen (inbound, or
   * one of our own replies by its message uuid), in the caller's order.
   */
  async threadKeyFor(em: EntityManager, inboxId: string, candidates: string[], ownUuids: string[]): Promise<string | null> {
    if (!candidates.length && !ownUuids.length) return null;
    const rows = await em.query<Array<{ id: string; external_id: string | null; thread_key: string }>>(
      `SELECT m.id, m.external_id, c.thread_key FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.inbox_id = $1 AND (m.external_id = ANY($2::text[]) OR m.id = ANY($3::uuid[]))`,
      [inboxId, candidates, ownUuids],
    );
    for (const id of candidates) {
      const hit = rows.find((r) => r.external_id === id);
      if (hit) return hit.thread_key;
    }
    for (const uuid of ownUuids) {
      const hit = rows.find((r) => r.id === uuid);
      if (hit) return hit.thread_key;
    }
    return null;
  }

  /** The outbound message a bounce refers to (by our Message-ID or its uuid), if it is ours. */
  async outboundFor(em: EntityManager, inboxId: string, ids: string[], ownUuids: string[]): Promise<{ id: string; conversationId: string; status: string } | null> {
    if (!ids.length && !ownUuids.length) return null;
    const [row] = await em.query<Array<{ id: string; conversation_id: string; status: string }>>(
      `SELECT id, conversation_id, status FROM messages
       WHERE inbox_id = $1 AND direction = 'outbound' AND kind = 'message' AND (external_id = ANY($2::text[]) OR id = ANY($3::uuid[]))
       ORDER BY created_at DESC LIMIT 1`,
      [inboxId, ids, ownUuids],
    );
    return row ? { id: row.id, conversationId: row.conversation_id, status: row.status } : null;
  }
}
