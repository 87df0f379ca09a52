import { readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows } from '../db/sql';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import { CONVERSATION_COLUMNS, CONVERSATION_FROM, MESSAGE_COLUMNS, conversationSummariesByIds, toConversationSummary, toMessageSummary } from './row-mappers';
import type { ConversationSummaryRow, MessageSummaryRow } from './row-mappers';
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

/** The inbox behind an ingest, and the message already stored under the external id (LEFT JOIN: nulls when none). */
interface IngestPrecheckRow {
  channel: string;
  team_id: string | null;
  active: boolean;
  message_id: string | null;
  conversation_id: string | null;
}

/**
 * Both summaries of one write as row_to_json objects: their timestamps arrive as ISO text, which
 * the mappers read as well as Dates.
 */
interface SummariesRow {
  conversation: ConversationSummaryRow;
  message: MessageSummaryRow;
}

/** A row of attachments without its size and content id. */
interface AttachmentRow {
  id: string;
  message_id: string;
  file_name: string;
  content_type: string;
  data: Buffer | null;
  storage_path: string | null;
}

/** The conversation and message summaries an ingest's events carry (every ingest). */
const SUMMARIES = prepared(
  'message_summaries',
  `SELECT (SELECT row_to_json(x) FROM (SELECT ${CONVERSATION_COLUMNS} FROM ${CONVERSATION_FROM} WHERE c.id = $1) x) AS conversation,
          (SELECT row_to_json(y) FROM (SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $2) y) AS message`,
);

/** The summaries of a batch's writes: each conversation once, each message once. */
const SUMMARIES_MANY = prepared(
  'message_summaries_many',
  // One primary-key probe per id, whatever the statistics say (see conversationSummariesByIds).
  `SELECT (SELECT coalesce(json_agg(row_to_json(x)), '[]') FROM (${conversationSummariesByIds('$1')}) x) AS conversations,
          (SELECT coalesce(json_agg(row_to_json(y)), '[]') FROM unnest($2::uuid[]) AS k(id)
             CROSS JOIN LATERAL (SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = k.id LIMIT 1) y) AS messages`,
);

/** An activity line's author and words (the conversation and inbox come from the statement that writes it). */
export interface ActivityLine {
  authorType: MessageSummary['authorType'];
  authorId: string | null;
  text: string;
  metadata: Record<string, unknown>;
}

/**
 * The INSERT of activity lines, values (conversation, inbox, author type, author, text, metadata)
 * from `source`, a VALUES list or a SELECT. `withIds`: the source's first column is each line's id
 * (a caller that tells the line before it is written: `activityLineSummary`).
 */
export const insertActivitySql = (source: string, withIds = false) =>
  `INSERT INTO messages (${withIds ? 'id, ' : ''}conversation_id, inbox_id, direction, kind, author_type, author_id, text, metadata)
   SELECT ${withIds ? 'v.id, ' : ''}v.conversation_id, v.inbox_id, 'outbound', 'activity', v.author_type, v.author_id, v.text, v.metadata
   FROM (${source}) AS v(${withIds ? 'id, ' : ''}conversation_id, inbox_id, author_type, author_id, text, metadata)
   RETURNING *`;

/**
 * The summary of the activity line `insertActivitySql` writes with these values, the table's
 * defaults for the rest, at `createdAt` (the transaction's `now()`, which the row takes): for a
 * transaction that sends the INSERT with its COMMIT and tells the line before (routing's batches).
 * `test/routing.e2e-spec.ts` holds it to the row as read back.
 */
export function activityLineSummary(line: ActivityLine & { id: string; conversationId: string; inboxId: string }, createdAt: Date): MessageSummary {
  return toMessageSummary({
    id: line.id,
    conversation_id: line.conversationId,
    inbox_id: line.inboxId,
    direction: 'outbound',
    kind: 'activity',
    author_type: line.authorType,
    author_id: line.authorId,
    text: line.text,
    html: null,
    external_id: null,
    status: null,
    error: null,
    attempts: 0,
    delivery_deadline: null,
    metadata: line.metadata,
    sent_at: null,
    created_at: createdAt,
    attachments: [],
  });
}

/** One activity line, returned as its summary. */
const INSERT_ACTIVITY = prepared(
  'message_insert_activity',
  `WITH m AS (${insertActivitySql(`VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5, $6::jsonb)`)})
   SELECT ${MESSAGE_COLUMNS} FROM m`,
);

@Injectable()
export class MessageRepository {
  async findByExternalId(em: EntityManager, inboxId: string, externalId: string): Promise<{ id: string; conversationId: string } | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string }>(em, `SELECT id, conversation_id FROM messages WHERE inbox_id = $1 AND external_id = $2`, [
      inboxId,
      externalId,
    ]);
    return row ? { id: row.id, conversationId: row.conversation_id } : null;
  }

  /**
   * What ingest needs before it writes, in one round trip: the inbox (null when unknown)
   * and the message already stored under this external id, if any.
   */
  async ingestPrecheck(
    em: EntityManager,
    inboxId: string,
    externalId: string,
  ): Promise<{ inbox: { channel: string; teamId: string | null; active: boolean } | null; seen: { id: string; conversationId: string } | null }> {
    const [row] = await queryRows<IngestPrecheckRow>(
      em,
      `SELECT i.channel, i.team_id, i.active, m.id AS message_id, m.conversation_id
       FROM inboxes i LEFT JOIN messages m ON m.inbox_id = i.id AND m.external_id = $2 WHERE i.id = $1`,
      [inboxId, externalId],
    );
    if (!row) return { inbox: null, seen: null };
    return { inbox: { channel: row.channel, teamId: row.team_id, active: row.active }, seen: row.message_id ? { id: row.message_id, conversationId: row.conversation_id! } : null };
  }

  /** The conversation and message summaries for the events of one write, in one round trip. */
  async summaries(em: EntityManager, conversationId: string, messageId: string): Promise<{ conversation: ConversationSummary; message: MessageSummary }> {
    const [row] = await queryRows<SummariesRow>(em, SUMMARIES, [conversationId, messageId]);
    return { conversation: toConversationSummary(row.conversation), message: toMessageSummary(row.message) };
  }

  /** `summaries` for many writes in one round trip (a batch ingest): by conversation id and by message id. */
  async summariesMany(
    em: EntityManager,
    conversationIds: string[],
    messageIds: string[],
  ): Promise<{ conversations: Map<string, ConversationSummary>; messages: Map<string, MessageSummary> }> {
    const [row] = await queryRows<{ conversations: ConversationSummaryRow[]; messages: MessageSummaryRow[] }>(em, SUMMARIES_MANY, [[...new Set(conversationIds)], messageIds]);
    return {
      conversations: new Map(row.conversations.map((r) => [r.id, toConversationSummary(r)])),
      messages: new Map(row.messages.map((r) => [r.id, toMessageSummary(r)])),
    };
  }

  /** Returns null when (inbox_id, external_id) already exists: the caller treats it as a redelivery. */
  async insert(em: EntityManager, m: NewMessage): Promise<string | null> {
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, html, external_id, status, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, coalesce($12, now()))
       ON CONFLICT (inbox_id, external_id) DO NOTHING
       RETURNING id`,
      [m.conversationId, m.inboxId, m.direction, m.kind, m.authorType, m.authorId, m.text, m.html, m.externalId, m.status, JSON.stringify(m.metadata), m.createdAt ?? null],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * An activity line (no channel id, no attachments) stored and read back as its summary in one
   * statement: every status, priority or label change writes one.
   */
  async insertActivity(
    em: EntityManager,
    m: { conversationId: string; inboxId: string; authorType: MessageSummary['authorType']; authorId: string | null; text: string; metadata: Record<string, unknown> },
  ): Promise<MessageSummary> {
    const [row] = await queryRows<MessageSummaryRow>(em, INSERT_ACTIVITY, [m.conversationId, m.inboxId, m.authorType, m.authorId, m.text, JSON.stringify(m.metadata)]);
    return toMessageSummary(row);
  }

  async insertAttachments(em: EntityManager, messageId: string, attachments: NewAttachment[]): Promise<void> {
    for (const a of attachments) {
      await em.query(`INSERT INTO attachments (message_id, file_name, content_type, size, content_id, data) VALUES ($1, $2, $3, $4, $5, $6)`, [
        messageId,
        a.fileName,
        a.contentType,
        a.data.length,
        a.contentId ?? null,
        a.data,
      ]);
    }
  }

  async summary(em: EntityManager, id: string): Promise<MessageSummary | null> {
    const [row] = await queryRows<MessageSummaryRow>(em, `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1`, [id]);
    return row ? toMessageSummary(row) : null;
  }

  /**
   * What delivering a reply needs beyond the message itself: the conversation, the recipient (the
   * identity the conversation came from), the author, earlier channel ids of the thread, the CC of
   * the customer's last message and the attachments' bytes.
   */
  async deliveryContext(
    em: EntityManager,
    m: MessageSummary,
  ): Promise<{
    conversation: { id: string; threadKey: string; subject: string | null; contactId: string };
    recipient: string;
    author: { type: 'user' | 'bot' | 'system'; id: string | null; name: string | null };
    thread: Array<{ externalId: string; direction: 'inbound' | 'outbound' }>;
    cc: string[];
    attachments: Array<{ id: string; fileName: string; contentType: string; data: Buffer }>;
  }> {
    const [conv] = await queryRows<{
      id: string;
      thread_key: string;
      subject: string | null;
      contact_id: string;
      recipient: string | null;
      author_name: string | null;
      last_cc: unknown;
    }>(
      em,
      `SELECT c.id, c.thread_key, c.subject, c.contact_id,
         -- The identity the conversation came from: a merge never redirects replies elsewhere.
         coalesce((SELECT address FROM contact_identities i WHERE i.id = c.contact_identity_id),
           (SELECT address FROM contact_identities i WHERE i.contact_id = c.contact_id AND i.channel = c.channel ORDER BY i.created_at LIMIT 1)) AS recipient,
         CASE $2::text WHEN 'user' THEN (SELECT name FROM users WHERE id = $3::uuid) WHEN 'bot' THEN (SELECT name FROM bots WHERE id = $3::uuid) END AS author_name,
         (SELECT metadata->'cc' FROM messages x WHERE x.conversation_id = c.id AND x.direction = 'inbound' AND x.kind = 'message'
           ORDER BY x.created_at DESC, x.id DESC LIMIT 1) AS last_cc
       FROM conversations c WHERE c.id = $1`,
      [m.conversationId, m.authorType, m.authorId],
    );
    const thread = await queryRows<{ external_id: string; direction: 'inbound' | 'outbound' }>(
      em,
      `SELECT external_id, direction FROM messages WHERE conversation_id = $1 AND id <> $2 AND kind = 'message' AND external_id IS NOT NULL AND external_id NOT LIKE 'sha256:%'
       ORDER BY created_at, id`,
      [m.conversationId, m.id],
    );
    const attachments: Array<{ id: string; fileName: string; contentType: string; data: Buffer }> = [];
    for (const a of m.attachments) {
      const stored = await this.attachment(em, a.id);
      const data = stored?.data ?? (stored?.storagePath ? await readFile(stored.storagePath) : null);
      if (stored && data) attachments.push({ id: stored.id, fileName: stored.fileName, contentType: stored.contentType, data });
    }
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    const ownCc = m.metadata?.cc;
    return {
      conversation: { id: conv.id, threadKey: conv.thread_key, subject: conv.subject, contactId: conv.contact_id },
      recipient: conv.recipient ?? '',
      author: { type: m.authorType as 'user' | 'bot' | 'system', id: m.authorId, name: conv.author_name },
      thread: thread.map((r) => ({ externalId: r.external_id, direction: r.direction })),
      cc: Array.isArray(ownCc) ? strings(ownCc) : strings(conv.last_cc),
      attachments,
    };
  }

  /** A message the caller just wrote or locked: missing means a bug, not a client's mistake. */
  async mustSummary(em: EntityManager, id: string): Promise<MessageSummary> {
    const summary = await this.summary(em, id);
    if (!summary) throw new Error(`message ${id} vanished inside its own transaction`);
    return summary;
  }

  async listByConversation(em: EntityManager, conversationId: string, opts: { before?: { createdAt: string; id: string }; limit: number }): Promise<MessageSummary[]> {
    const params: unknown[] = [conversationId, opts.limit];
    let cursor = '';
    if (opts.before) {
      params.push(opts.before.createdAt, opts.before.id);
      cursor = `AND (m.created_at, m.id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows = await queryRows<MessageSummaryRow>(
      em,
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 ${cursor}
        ORDER BY m.created_at DESC, m.id DESC LIMIT $2) recent ORDER BY created_at, id`,
      params,
    );
    return rows.map(toMessageSummary);
  }

  /** Records the job that will deliver a reply, in the transaction that enqueued it. */
  async markEnqueued(em: EntityManager, id: string, jobId: string | null, deadlineSeconds: number): Promise<void> {
    await em.query(`UPDATE messages SET job_id = $2, delivery_deadline = now() + make_interval(secs => $3) WHERE id = $1`, [id, jobId, deadlineSeconds]);
  }

  /**
   * Claims a reply for a send attempt by its job and marks it `sending` (committed before the
   * network call). A message left `sending` by a crashed attempt of the same job is claimed again
   * (`resumed`): that attempt may have delivered, so the re-send carries the same delivery id.
   * Null when the message is settled, or owned by another job (retried by hand meanwhile).
   */
  async startAttempt(em: EntityManager, id: string, jobId: string, deadlineSeconds: number): Promise<{ attempt: number; resumed: boolean } | null> {
    const [row] = await queryRows<{ attempts: number; previous: string }>(
      em,
      `UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, job_id = $2, delivery_deadline = now() + make_interval(secs => $3)
       FROM (SELECT id, status AS previous FROM messages WHERE id = $1 FOR UPDATE) p
       WHERE m.id = p.id AND m.status IN ('queued', 'sending') AND (m.job_id = $2 OR m.job_id IS NULL)
       RETURNING m.attempts, p.previous`,
      [id, jobId, deadlineSeconds],
    );
    return row ? { attempt: Number(row.attempts), resumed: row.previous === 'sending' } : null;
  }

  /**
   * Ends a send attempt. Fenced on the job and attempt that claimed it: an attempt that outran
   * its job's expiry, or whose message was retried by hand, changes nothing. `queued` keeps the
   * message for the job's next try (with the reason it is late).
   */
  async settleAttempt(
    em: EntityManager,
    id: string,
    claim: { jobId: string; attempt: number },
    status: 'sent' | 'failed' | 'queued',
    fields: { error?: string | null; externalId?: string | null; deadlineSeconds?: number },
  ): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      `UPDATE messages SET status = $4, error = $5, external_id = coalesce($6, external_id),
         sent_at = CASE WHEN $4 = 'sent' THEN now() ELSE sent_at END,
         delivery_deadline = CASE WHEN $4 = 'queued' THEN now() + make_interval(secs => $7) ELSE delivery_deadline END
       WHERE id = $1 AND job_id = $2 AND attempts = $3 AND status = 'sending'
       RETURNING id`,
      [id, claim.jobId, claim.attempt, status, fields.error ?? null, fields.externalId ?? null, fields.deadlineSeconds ?? 0],
    );
    return rows.length > 0;
  }

  /**
   * Puts a reply back to `queued` for a fresh job: a failed one, or one still `queued`/`sending`
   * past its delivery deadline (its job died with it). Returns the job it took the message from
   * (to cancel), or null when the message is not retryable.
   */
  async resetForRetry(em: EntityManager, id: string): Promise<{ conversationId: string; previousJobId: string | null } | null> {
    const [row] = await queryRows<{ conversation_id: string; previous_job_id: string | null }>(
      em,
      `UPDATE messages m SET status = 'queued', error = NULL, attempts = 0, job_id = NULL
       FROM (SELECT id, job_id AS previous_job_id FROM messages WHERE id = $1 FOR UPDATE) p
       WHERE m.id = p.id AND (m.status = 'failed' OR (m.status IN ('queued', 'sending') AND m.delivery_deadline < now()))
       RETURNING m.conversation_id, p.previous_job_id`,
      [id],
    );
    return row ? { conversationId: row.conversation_id, previousJobId: row.previous_job_id } : null;
  }

  /**
   * Fails replies still `queued`/`sending` whose delivery job can no longer settle them: gone
   * (deleted), failed (its last try expired with the process that ran it), cancelled, or completed
   * without settling. Live jobs (created, retry, active) are left to pg-boss. Rows locked by an
   * attempt in progress are skipped. Replies queued before job ids were recorded match by payload.
   */
  async failOrphaned(em: EntityManager, queues: string[], errors: { sending: string; queued: string }, limit = 500): Promise<Array<{ id: string; conversationId: string }>> {
    return queryRows<{ id: string; conversationId: string }>(
      em,
      `UPDATE messages m SET status = 'failed', error = CASE WHEN m.status = 'sending' THEN $2 ELSE $3 END
       WHERE m.id IN (
         SELECT o.id FROM messages o
         WHERE o.status IN ('queued', 'sending')
           AND NOT EXISTS (
             SELECT 1 FROM pgboss.job j
             WHERE j.name = ANY($1) AND j.state IN ('created', 'retry', 'active')
               AND (j.id = o.job_id OR (o.job_id IS NULL AND j.data->>'messageId' = o.id::text)))
         ORDER BY o.created_at LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING m.id, m.conversation_id AS "conversationId"`,
      [queues, errors.sending, errors.queued, limit],
    );
  }

  /** Sets a delivery status unconditionally (channel receipts: delivered, read). */
  async setDelivery(em: EntityManager, id: string, status: DeliveryStatus, fields: { error?: string | null; externalId?: string | null; sentAt?: Date | null }): Promise<void> {
    await em.query(
      `UPDATE messages SET status = $2, error = $3, external_id = coalesce($4, external_id),
         sent_at = CASE WHEN $2 = 'sent' THEN coalesce($5, now()) ELSE sent_at END
       WHERE id = $1`,
      [id, status, fields.error ?? null, fields.externalId ?? null, fields.sentAt ?? null],
    );
  }

  async attachment(
    em: EntityManager,
    id: string,
  ): Promise<{ id: string; messageId: string; fileName: string; contentType: string; data: Buffer | null; storagePath: string | null } | null> {
    const [row] = await queryRows<AttachmentRow>(em, `SELECT id, message_id, file_name, content_type, data, storage_path FROM attachments WHERE id = $1`, [id]);
    return row ? { id: row.id, messageId: row.message_id, fileName: row.file_name, contentType: row.content_type, data: row.data, storagePath: row.storage_path } : null;
  }
}
