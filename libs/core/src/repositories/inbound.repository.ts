import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows } from '../db/sql';
import type { ChannelKind } from '../entities/enums';
import type { ContactDetails } from './contact.repository';
import { newThreadStatus, openThreadConflict } from './conversation.repository';
import { CONVERSATION_COLUMNS, MESSAGE_COLUMNS, lastMessage, toConversationSummary, toMessageSummary } from './row-mappers';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import type { ConversationSummaryRow, MessageSummaryRow } from './row-mappers';

export interface InboundWrite {
  inboxId: string;
  channel: ChannelKind;
  address: string;
  contact: ContactDetails;
  threadKey: string;
  teamId: string | null;
  subject: string | null;
  language: string | null;
  priority: number;
  at: Date;
  text: string;
  html: string | null;
  externalId: string;
  metadata: Record<string, unknown>;
}

export interface InboundStored {
  contactId: string;
  identityId: string;
  /** The identity (and its contact) was created by this statement. */
  newContact: boolean;
  conversationId: string;
  conversationCreated: boolean;
  /** The conversation carried SLA clocks when the message was stored (its row stays locked until commit). */
  slaRecord: boolean;
  /** Null: (inbox, external id) was already stored; the caller rolls the upsert back (a redelivery). */
  messageId: string | null;
  /** The events' summaries as this statement wrote the rows (one-message `store` only). */
  summaries?: { conversation: ConversationSummary; message: MessageSummary };
}

export interface SeenMessage {
  id: string;
  conversationId: string;
  contactId: string;
}

/** Exported for `bench/profile-ingest.mjs --explain`. */
export const PRECHECK = prepared(
  'ingest_precheck',
  `SELECT i.channel, i.team_id, i.active, m.external_id, m.id AS message_id, m.conversation_id, m.contact_id,
              (SELECT version::text FROM settings_version) AS settings_version
       FROM inboxes i
       -- One unique-index probe per external id, whatever the statistics say: as a join (or as
       -- \`external_id = ANY($2)\`) the planner, with statistics from before the inbox grew,
       -- read every message of the inbox (LIMIT 1 keeps the probe a subquery of its own).
       LEFT JOIN LATERAL (
         SELECT p.* FROM unnest($2::text[]) AS e(external_id)
         CROSS JOIN LATERAL (
           SELECT m.external_id, m.id, m.conversation_id, c.contact_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE m.inbox_id = i.id AND m.external_id = e.external_id LIMIT 1
         ) p
       ) m ON true
       WHERE i.id = $1`,
);

const STORE = prepared(
  'ingest_store',
  `WITH found AS (
         SELECT id, contact_id FROM contact_identities WHERE channel = $1::text AND address = $2::text
       ), made AS (
         -- The contact FK is deferred: the identity claims a fresh contact id before that row exists.
         INSERT INTO contact_identities (contact_id, channel, address)
         SELECT gen_random_uuid(), $1::text, $2::text WHERE NOT EXISTS (SELECT 1 FROM found)
         ON CONFLICT (channel, address) DO NOTHING
         RETURNING id, contact_id
       ), new_contact AS (
         INSERT INTO contacts (id, name, email, phone, language) SELECT contact_id, $3::text, $4::text, $5::text, $6::text FROM made RETURNING id, name, number
       ), ident AS (
         SELECT id, contact_id, false AS new_contact FROM found
         UNION ALL SELECT id, contact_id, true FROM made
       ), conv AS (
         INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, team_id, subject, language, waiting_since, last_message_at)
         SELECT $7::uuid, $1::text, ident.contact_id, ident.id, $8::text,
           -- Bot-first inboxes: a new conversation is the inbox's bot's until it hands off (routing only takes 'open').
           ${newThreadStatus('$7::uuid')},
           $9::smallint, $10::uuid, $11::text, $12::text, $13::timestamptz, $13::timestamptz
         FROM ident
         ${openThreadConflict('*, (xmax = 0) AS created, (sla IS NOT NULL) AS has_sla')}
       ), msg AS (
         INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, html, external_id, status, metadata, created_at)
         SELECT conv.id, $7::uuid, 'inbound', 'message', 'contact', ident.contact_id, $14::text, $15::text, $16::text, NULL, $17::jsonb, $13::timestamptz
         FROM conv, ident
         ON CONFLICT (inbox_id, external_id) DO NOTHING
         RETURNING *
       )
       SELECT ident.id AS identity_id, ident.contact_id, ident.new_contact, conv.id AS conversation_id, conv.created AS conversation_created, conv.has_sla, (SELECT id FROM msg) AS message_id,
         -- The events' summaries as the rows were written (the same columns as MessageRepository.summaries):
         -- this statement's own rows are not in its snapshot, so they come from the CTEs.
         (SELECT row_to_json(x) FROM (
            SELECT ${CONVERSATION_COLUMNS} FROM conv c
            CROSS JOIN LATERAL (SELECT name, number FROM new_contact WHERE id = c.contact_id
                                UNION ALL SELECT name, number FROM contacts WHERE id = c.contact_id LIMIT 1) ct
            LEFT JOIN LATERAL ${lastMessage('msg')} lm ON true) x) AS conversation,
         (SELECT row_to_json(y) FROM (SELECT ${MESSAGE_COLUMNS} FROM msg m) y) AS message
       FROM ident LEFT JOIN conv ON true`,
);

/**
 * STORE for many messages of one inbox and channel (a batch): each sender's identity once, each
 * thread's open conversation once (created with the details of its first message as the sender
 * listed them, `position`, and the time of its last), every message; one row per input in input
 * order. Identities are written in address order and conversations in thread order, so
 * concurrent batches lock in the same order.
 */
const STORE_MANY = prepared(
  'ingest_store_many',
  `WITH v AS MATERIALIZED (
         SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                              $12::smallint[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::jsonb[], $18::int[])
           WITH ORDINALITY AS v(address, name, email, phone, contact_language, thread_key, subject, language, priority, at, text, html, external_id, metadata, position, ord)
       ), senders AS (
         SELECT DISTINCT ON (address) address, name, email, phone, contact_language FROM v ORDER BY address, position
       ), found AS (
         -- A unique-key probe per sender (a join read every identity of the channel on stale statistics).
         SELECT ci.id, ci.contact_id, s.address FROM senders s
         CROSS JOIN LATERAL (SELECT id, contact_id FROM contact_identities WHERE channel = $1::text AND address = s.address LIMIT 1) ci
       ), made AS (
         INSERT INTO contact_identities (contact_id, channel, address)
         SELECT gen_random_uuid(), $1::text, s.address FROM senders s WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.address = s.address) ORDER BY s.address
         ON CONFLICT (channel, address) DO NOTHING
         RETURNING id, contact_id, address
       ), new_contact AS (
         INSERT INTO contacts (id, name, email, phone, language)
         SELECT m.contact_id, s.name, s.email, s.phone, s.contact_language FROM made m JOIN senders s ON s.address = m.address RETURNING id
       ), ident AS (
         SELECT id, contact_id, address, false AS new_contact FROM found
         UNION ALL SELECT id, contact_id, address, true FROM made
       ), threads AS (
         SELECT DISTINCT ON (thread_key) thread_key, address, subject, language, priority, at AS first_at, max(at) OVER (PARTITION BY thread_key) AS last_at
         FROM v ORDER BY thread_key, position
       ), conv AS (
         INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, team_id, subject, language, waiting_since, last_message_at)
         SELECT $2::uuid, $1::text, i.contact_id, i.id, t.thread_key,
           ${newThreadStatus('$2::uuid')},
           t.priority, $3::uuid, t.subject, t.language, t.first_at, t.last_at
         FROM threads t JOIN ident i ON i.address = t.address
         ORDER BY t.thread_key
         ${openThreadConflict()}
       ), msg AS (
         INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, html, external_id, status, metadata, created_at)
         SELECT c.id, $2::uuid, 'inbound', 'message', 'contact', i.contact_id, v.text, v.html, v.external_id, NULL, v.metadata, v.at
         FROM v JOIN conv c ON c.thread_key = v.thread_key JOIN ident i ON i.address = v.address
         ORDER BY v.ord
         ON CONFLICT (inbox_id, external_id) DO NOTHING
         RETURNING id, external_id
       )
       SELECT i.id AS identity_id, i.contact_id, i.new_contact, c.id AS conversation_id, c.created AS conversation_created, c.has_sla, m.id AS message_id
       FROM v
       LEFT JOIN ident i ON i.address = v.address
       LEFT JOIN conv c ON c.thread_key = v.thread_key
       LEFT JOIN msg m ON m.external_id = v.external_id
       ORDER BY v.ord`,
);

/**
 * The write side of ingest in as few round trips as the invariants allow. The same rows, the
 * same unique indexes and the same lock order as the step-by-step path in the contact,
 * conversation and message repositories (identity → conversation → message: each CTE feeds the
 * next, so PostgreSQL takes the locks in that order).
 */
@Injectable()
export class InboundRepository {
  /**
   * What ingest needs before it writes, in one round trip: the inbox (null when unknown), the
   * messages already stored under these external ids, with their conversation's contact, and the
   * settings version (rules and policies are then read from the cache; see settingsPerVersion).
   */
  async precheck(
    em: EntityManager,
    inboxId: string,
    externalIds: string[],
  ): Promise<{ inbox: { channel: string; teamId: string | null; active: boolean; settingsVersion: string | null } | null; seen: Map<string, SeenMessage> }> {
    const rows = await queryRows<{
      channel: string;
      team_id: string | null;
      active: boolean;
      external_id: string | null;
      message_id: string | null;
      conversation_id: string | null;
      contact_id: string | null;
      settings_version: string | null;
    }>(em, PRECHECK, [inboxId, externalIds]);
    const seen = new Map<string, SeenMessage>();
    if (!rows.length) return { inbox: null, seen };
    for (const r of rows) if (r.message_id && r.external_id) seen.set(r.external_id, { id: r.message_id, conversationId: r.conversation_id!, contactId: r.contact_id! });
    return { inbox: { channel: rows[0].channel, teamId: rows[0].team_id, active: rows[0].active, settingsVersion: rows[0].settings_version }, seen };
  }

  /** A message stored by a transaction that committed after the precheck (or earlier in this one). */
  async seen(em: EntityManager, inboxId: string, externalId: string): Promise<SeenMessage | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string; contact_id: string }>(
      em,
      `SELECT m.id, m.conversation_id, c.contact_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.inbox_id = $1 AND m.external_id = $2`,
      [inboxId, externalId],
    );
    return row ? { id: row.id, conversationId: row.conversation_id, contactId: row.contact_id } : null;
  }

  /**
   * Identity (created with its contact when new), the open conversation of the thread (upserted
   * on the partial unique index) and the message (unique per inbox and external id) in ONE
   * statement, which also returns the events' summaries of what it wrote. Null when a concurrent first message of the same sender is inserting the identity
   * right now: this statement's snapshot cannot see the winner's row, so the caller takes the
   * step-by-step path, whose next statement does.
   */
  async store(em: EntityManager, w: InboundWrite): Promise<InboundStored | null> {
    const [row] = await queryRows<{
      identity_id: string;
      contact_id: string;
      new_contact: boolean;
      conversation_id: string | null;
      conversation_created: boolean | null;
      has_sla: boolean | null;
      message_id: string | null;
      conversation: ConversationSummaryRow | null;
      message: MessageSummaryRow | null;
    }>(em, STORE, [
      w.channel,
      w.address,
      w.contact.name ?? null,
      w.contact.email ?? null,
      w.contact.phone ?? null,
      w.contact.language ?? null,
      w.inboxId,
      w.threadKey,
      w.priority,
      w.teamId,
      w.subject,
      w.language,
      w.at,
      w.text,
      w.html,
      w.externalId,
      JSON.stringify(w.metadata),
    ]);
    if (!row?.conversation_id) return null;
    return {
      contactId: row.contact_id,
      identityId: row.identity_id,
      newContact: row.new_contact,
      conversationId: row.conversation_id,
      conversationCreated: Boolean(row.conversation_created),
      slaRecord: Boolean(row.has_sla),
      messageId: row.message_id,
      summaries: row.conversation && row.message ? { conversation: toConversationSummary(row.conversation), message: toMessageSummary(row.message) } : undefined,
    };
  }

  /**
   * `store` for many messages of one inbox in ONE statement, one answer per input in input order
   * (external ids distinct). Null for an input whose sender's identity or thread a concurrent
   * transaction is creating right now (the caller stores it with `store`); `conversationCreated`
   * only on the first input of a new conversation; a null `messageId` is a redelivery.
   */
  async storeMany(
    em: EntityManager,
    inbox: { id: string; channel: ChannelKind; teamId: string | null },
    ws: Array<InboundWrite & { position: number }>,
  ): Promise<Array<InboundStored | null>> {
    const rows = await queryRows<{
      identity_id: string | null;
      contact_id: string | null;
      new_contact: boolean | null;
      conversation_id: string | null;
      conversation_created: boolean | null;
      has_sla: boolean | null;
      message_id: string | null;
    }>(em, STORE_MANY, [
      inbox.channel,
      inbox.id,
      inbox.teamId,
      ws.map((w) => w.address),
      ws.map((w) => w.contact.name ?? null),
      ws.map((w) => w.contact.email ?? null),
      ws.map((w) => w.contact.phone ?? null),
      ws.map((w) => w.contact.language ?? null),
      ws.map((w) => w.threadKey),
      ws.map((w) => w.subject),
      ws.map((w) => w.language),
      ws.map((w) => w.priority),
      ws.map((w) => w.at),
      ws.map((w) => w.text),
      ws.map((w) => w.html),
      ws.map((w) => w.externalId),
      ws.map((w) => JSON.stringify(w.metadata)),
      ws.map((w) => w.position),
    ]);
    // New conversation and new contact are told once, on the first input, as one-by-one ingest
    // would: a sender's later inputs may still fill the contact's missing details.
    const opened = new Set<string>();
    const introduced = new Set<string>();
    return rows.map((r) => {
      if (!r.conversation_id || !r.identity_id || !r.contact_id) return null;
      const first = Boolean(r.conversation_created) && !opened.has(r.conversation_id);
      if (first) opened.add(r.conversation_id);
      const newContact = Boolean(r.new_contact) && !introduced.has(r.identity_id);
      if (newContact) introduced.add(r.identity_id);
      return {
        contactId: r.contact_id,
        identityId: r.identity_id,
        newContact,
        conversationId: r.conversation_id,
        conversationCreated: first,
        slaRecord: Boolean(r.has_sla),
        messageId: r.message_id,
      };
    });
  }
}
